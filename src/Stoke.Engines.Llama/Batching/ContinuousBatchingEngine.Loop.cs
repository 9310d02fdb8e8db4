using LLama.Native;

namespace Stoke.Engines.Llama;

// The decode loop: the only code that touches the llama.cpp context, on its own thread.
public sealed partial class ContinuousBatchingEngine
{
    private void RunLoop()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                LeaveCancelled();
                Admit();
                if (_active.Count == 0)
                {
                    RefreshUsedCells();
                    _wake.Wait(_stopping.Token);
                    continue;
                }

                try
                {
                    Step();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The running generations fail; the engine keeps serving the ones that come next.
                    Log.StepFailed(_logger, e);
                    FailAll(e);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var sequence in _active)
            {
                Finish(sequence, FinishReasons.Cancelled, "");
            }

            _active.Clear();
            while (_waiting.Reader.TryRead(out var queued))
            {
                queued.Output.Writer.TryComplete(new ObjectDisposedException(nameof(ContinuousBatchingEngine)));
            }

            _loopExited.TrySetResult();
        }
    }

    // Cancelled sequences leave before the next step, so their KV cells are free for the requests admitted next.
    private void LeaveCancelled()
    {
        var any = false;
        foreach (var sequence in _active)
        {
            if (sequence.IsCancelled)
            {
                Finish(sequence, FinishReasons.Cancelled, "");
                any = true;
            }
        }

        if (any)
        {
            _active.RemoveAll(s => s.IsCancelled);
            RefreshUsedCells();
        }
    }

    // First come, first served: the head waits for room, so a large request is not starved by small ones behind it.
    private void Admit()
    {
        while (_active.Count < _maxActive && _waiting.Reader.TryPeek(out var head))
        {
            if (head.IsCancelled)
            {
                _waiting.Reader.TryRead(out _);
                head.Output.Writer.TryComplete(new OperationCanceledException());
                continue;
            }

            if (_reservedCells + head.ReservedCells > KvCacheCapacity)
            {
                return;
            }

            _waiting.Reader.TryRead(out _);
            var now = _time.GetTimestamp();
            head.Start(_freeIds.Pop(), now, _model.Weights);
            _active.Add(head);
            Volatile.Write(ref _reservedCells, _reservedCells + head.ReservedCells);
            Volatile.Write(ref _activeCount, _active.Count);
            var queued = _time.GetElapsedTime(head.SubmittedAt, now);
            _metrics.Admitted(queued);
            Log.Admitted(_logger, head.Request.RequestId, (int)head.Id, head.Prompt.Length, head.MaxTokens, queued.TotalMilliseconds);
        }
    }

    private void Step()
    {
        var started = Stamp();
        _batch.Clear();
        var budget = _options.BatchTokens;
        var sequencesInBatch = 0;

        // Running sequences first (one token each) so a long prompt joining never stalls their streams.
        foreach (var s in _active)
        {
            s.LogitIndex = -1;
            if (!s.IsPrefilling)
            {
                s.LogitIndex = _batch.Add(s.NextInput, s.Position, s.Id, true);
                s.Position++;
                budget--;
                sequencesInBatch++;
            }
        }

        // Chunked prefill: prompts share what is left of the step, capped so one long prompt cannot make the step slow.
        if (_options.PrefillTokensPerStep > 0)
        {
            budget = Math.Min(budget, _options.PrefillTokensPerStep);
        }

        var prefillTokens = 0;
        foreach (var s in _active)
        {
            if (!s.IsPrefilling || budget == 0)
            {
                continue;
            }

            var take = Math.Min(budget, s.Prompt.Length - s.PromptFed);
            for (var i = 0; i < take; i++)
            {
                var last = s.PromptFed + 1 == s.Prompt.Length;
                var index = _batch.Add(s.Prompt[s.PromptFed], s.Position, s.Id, last);
                if (last)
                {
                    s.LogitIndex = index;
                }

                s.PromptFed++;
                s.Position++;
            }

            budget -= take;
            prefillTokens += take;
            sequencesInBatch++;
        }

        var built = Stamp();
        var result = _context.NativeHandle.Decode(_batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed with {result} for a batch of {_batch.TokenCount} tokens.");
        }

        var decoded = Stamp();
        Interlocked.Increment(ref _steps);
        if (sequencesInBatch > _peakBatchSequences)
        {
            Volatile.Write(ref _peakBatchSequences, sequencesInBatch);
        }

        _metrics.Step(sequencesInBatch);
        long sampling = 0;
        foreach (var s in _active)
        {
            if (s.LogitIndex >= 0)
            {
                var before = Stamp();
                var token = s.Sampler!.Sample(_context.NativeHandle, s.LogitIndex);
                // Sampling copies the logits, so they are still the model's own here.
                var logprob = s.Request.TopLogprobs is { } alternatives
                    ? TokenLogprobs.Compute(_context.NativeHandle.GetLogitsIth(s.LogitIndex), token, alternatives, _model.Weights.NativeHandle)
                    : null;
                sampling += Stamp() - before;
                Accept(s, token, logprob);
            }
        }

        if (_finished.Count > 0)
        {
            foreach (var s in _finished)
            {
                _active.Remove(s);
            }

            _finished.Clear();
        }

        var emitted = Stamp();
        RefreshUsedCells();
        if (_profile is { } profile)
        {
            var phases = prefillTokens > 0 ? profile.WithPrefill : profile.DecodeOnly[Math.Min(sequencesInBatch, profile.DecodeOnly.Length - 1)];
            phases.Steps++;
            phases.Tokens += _batch.TokenCount;
            phases.Build += built - started;
            phases.Decode += decoded - built;
            phases.Sample += sampling;
            phases.Emit += emitted - decoded - sampling;
            phases.Memory += Stamp() - emitted;
        }
    }

    // Timestamps only when profiling, so the loop reads no clock for it otherwise.
    private long Stamp() => _profile is null ? 0 : _time.GetTimestamp();

    private void Accept(Sequence s, LLamaToken token, Abstractions.Generation.TokenLogprob? logprob)
    {
        if (s.Generated == 0)
        {
            s.FirstTokenAt = _time.GetTimestamp();
        }

        if (!s.Request.IgnoreEndOfGeneration && token.IsEndOfGeneration(_model.Weights.Vocab))
        {
            Finish(s, FinishReasons.Stop, s.Stops!.Flush());
            _finished.Add(s);
            return;
        }

        s.Generated++;
        if (logprob is not null)
        {
            (s.PendingLogprobs ??= []).Add(logprob);
        }

        s.Decoder!.Add(token);
        var text = s.Stops!.Push(s.Decoder.Read(), out var stopped);
        if (stopped)
        {
            Finish(s, FinishReasons.Stop, text);
            _finished.Add(s);
            return;
        }

        if (s.Generated >= s.MaxTokens)
        {
            Finish(s, FinishReasons.Length, text + s.Stops.Flush());
            _finished.Add(s);
            return;
        }

        if (text.Length > 0)
        {
            s.Output.Writer.TryWrite(new GenerationChunk { Text = text, Logprobs = s.TakeLogprobs() });
        }

        s.NextInput = token;
    }

    // Ends a sequence: KV cells and slot back to the pool, then the final chunk (so a client that has its last chunk
    // finds the slot free, and the engine's counts already say so), metrics.
    private void Finish(Sequence s, string reason, string trailingText)
    {
        var now = _time.GetTimestamp();
        var usage = new GenerationUsage(s.Prompt.Length, s.Generated);
        var firstToken = s.Generated > 0 ? s.FirstTokenAt : now;
        var timings = new GenerationTimings(
            _time.GetElapsedTime(s.SubmittedAt, s.AdmittedAt),
            _time.GetElapsedTime(s.SubmittedAt, firstToken),
            _time.GetElapsedTime(s.SubmittedAt, now),
            s.Generated);
        var final = new GenerationChunk { Text = trailingText, FinishReason = reason, Usage = usage, Timings = timings, Logprobs = s.TakeLogprobs() };

        _context.NativeHandle.MemorySequenceRemove(s.Id, -1, -1);
        s.ReleaseSampler();
        _freeIds.Push(s.Id);
        Volatile.Write(ref _reservedCells, _reservedCells - s.ReservedCells);
        Volatile.Write(ref _activeCount, _activeCount - 1);
        s.Output.Writer.TryWrite(final);
        s.Output.Writer.TryComplete();
        _metrics.Finished(reason, usage, timings);
        Log.Finished(_logger, s.Request.RequestId, reason, usage.PromptTokens, usage.CompletionTokens,
            timings.TimeToFirstToken.TotalMilliseconds, timings.TokensPerSecond);
    }

    private void FailAll(Exception e)
    {
        foreach (var s in _active)
        {
            if (_finished.Contains(s))
            {
                continue; // already finished and freed in this step
            }

            _context.NativeHandle.MemorySequenceRemove(s.Id, -1, -1);
            s.ReleaseSampler();
            _freeIds.Push(s.Id);
            s.Output.Writer.TryComplete(e);
        }

        _active.Clear();
        _finished.Clear();
        Volatile.Write(ref _activeCount, 0);
        Volatile.Write(ref _reservedCells, 0);
        RefreshUsedCells();
    }

    // Reads cell use back from llama.cpp rather than from our own bookkeeping, so a leak would show.
    private void RefreshUsedCells()
    {
        var used = 0;
        for (var id = 0; id < _maxActive; id++)
        {
            var max = _context.NativeHandle.MemorySequenceMaxPosition((LLamaSeqId)id);
            if (max.Value >= 0)
            {
                used += max.Value - _context.NativeHandle.MemorySequenceMinPosition((LLamaSeqId)id).Value + 1;
            }
        }

        Volatile.Write(ref _usedCells, used);
    }
}
