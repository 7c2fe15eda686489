namespace RaftTimers.JepsenLike.Agent;

public static class ClientCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("client: not implemented yet");
        return Task.FromResult(2);
    }
}
