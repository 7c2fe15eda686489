namespace RaftTimers.JepsenLike.Agent;

public static class FinalStateCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("final-state: not implemented yet");
        return Task.FromResult(2);
    }
}
