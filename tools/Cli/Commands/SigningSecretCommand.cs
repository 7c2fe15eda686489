using System.CommandLine;
using RaftTimers.Client.Receiving;

namespace RaftTimers.Tools.Cli.Commands;

/// <summary>
/// <c>timers signing-secret</c>: prints a new callback signing secret (docs/api.md, "Signed callbacks") for
/// <c>RaftTimers:Security:Callbacks:SigningSecrets</c> and the receivers. Made here, never sent anywhere.
/// </summary>
internal static class SigningSecretCommand
{
    public static Command Build()
    {
        var command = new Command("signing-secret", "Print a new secret for signing callbacks (whsec_..., 32 random bytes)");
        command.SetAction(parse =>
        {
            Console.Out.WriteLine(SigningSecret.New());
            return ExitCodes.Success;
        });
        return command;
    }
}
