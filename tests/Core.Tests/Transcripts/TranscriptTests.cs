using System.Runtime.CompilerServices;

namespace RaftTimers.Tests.Transcripts;

/// <summary>
/// Every transcript in <c>testdata/</c> (see <see cref="TranscriptRunner"/> for the format) replayed against a fresh
/// state machine: the printed answers must be exactly the expected ones. <c>REWRITE_TRANSCRIPTS=1</c> writes what was
/// printed instead, for review.
/// </summary>
public sealed class TranscriptTests
{
    public static TheoryData<string> Files()
    {
        var files = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(TestData(), "*.txt").Order(StringComparer.Ordinal))
            files.Add(Path.GetFileName(path));
        return files;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_state_machine_answers_as_the_transcript_says(string file)
    {
        var path = Path.Combine(TestData(), file);
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        var actual = TranscriptRunner.Run(expected);
        if (Environment.GetEnvironmentVariable("REWRITE_TRANSCRIPTS") == "1")
            File.WriteAllText(path, actual);
        else
            Assert.Equal(expected.TrimEnd('\n') + "\n", actual);
    }

    [Fact]
    public void There_are_transcripts_to_run()
        => Assert.True(Files().Count >= 5, $"expected the transcripts in {TestData()}");

    [Fact]
    public void A_wrong_expectation_fails()
    {
        const string transcript = "apply 1000\ncreate a 500\n----\napplied v1 due=9999\nevents: scheduled a v1 due=1500\n";
        Assert.NotEqual(transcript, TranscriptRunner.Run(transcript));
    }

    /// <summary>The transcripts beside this file in the source tree, so a rewrite lands in the files under review.</summary>
    private static string TestData([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "testdata");
}
