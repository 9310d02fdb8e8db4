using System.Runtime.InteropServices;
using LLama.Native;

namespace Stoke.Engines.Llama;

/// <summary>
/// Parses a GBNF grammar with llama.cpp before a sampler uses it. LLamaSharp's <c>AddGrammar</c> adds whatever
/// <c>llama_sampler_init_grammar</c> returns, and that is null for a grammar that does not parse: the next sampling
/// step would then crash the process. So the engine asks llama.cpp itself first and refuses the request instead.
/// </summary>
internal static class GrammarCheck
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr InitGrammar(IntPtr vocab, [MarshalAs(UnmanagedType.LPUTF8Str)] string grammar, [MarshalAs(UnmanagedType.LPUTF8Str)] string root);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetVocab(IntPtr model);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void FreeSampler(IntPtr sampler);

    private static readonly Lazy<(InitGrammar Init, GetVocab Vocab, FreeSampler Free)> Native = new(Bind);

    /// <summary>True when llama.cpp parses <paramref name="grammar"/> (root rule <c>root</c>) for this model's vocabulary.</summary>
    public static bool Parses(SafeLlamaModelHandle model, string grammar)
    {
        var (init, vocab, free) = Native.Value;
        var added = false;
        model.DangerousAddRef(ref added);
        try
        {
            var sampler = init(vocab(model.DangerousGetHandle()), grammar, "root");
            if (sampler == IntPtr.Zero)
            {
                return false;
            }

            free(sampler);
            return true;
        }
        finally
        {
            if (added)
            {
                model.DangerousRelease();
            }
        }
    }

    private static (InitGrammar, GetVocab, FreeSampler) Bind()
    {
        // Through LLamaSharp's own import resolver, so this is the very library its samplers run in.
        var library = NativeLibrary.Load("llama", typeof(NativeApi).Assembly, null);
        return (
            Marshal.GetDelegateForFunctionPointer<InitGrammar>(NativeLibrary.GetExport(library, "llama_sampler_init_grammar")),
            Marshal.GetDelegateForFunctionPointer<GetVocab>(NativeLibrary.GetExport(library, "llama_model_get_vocab")),
            Marshal.GetDelegateForFunctionPointer<FreeSampler>(NativeLibrary.GetExport(library, "llama_sampler_free")));
    }
}
