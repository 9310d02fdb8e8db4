using LLama.Native;

namespace Stoke.Engines.Llama;

/// <summary>Routes llama.cpp's own log lines away from stderr: only its errors are worth an operator's attention.</summary>
internal static class NativeLogging
{
    private static int _configured;

    public static void EnsureQuiet()
    {
        if (Interlocked.Exchange(ref _configured, 1) == 1)
        {
            return;
        }

        NativeLogConfig.llama_log_set((level, message) =>
        {
            if (level == LLamaLogLevel.Error)
            {
                Console.Error.Write(message);
            }
        });
    }
}
