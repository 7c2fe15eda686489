namespace RaftTimers.JepsenLike.Agent;

/// <summary>Placeholder until the sink is written; fails loudly rather than pretending to record.</summary>
public static class SinkCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("sink: not implemented yet");
        return Task.FromResult(2);
    }
}
