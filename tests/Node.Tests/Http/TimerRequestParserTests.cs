using System.Text;
using RaftTimers.Core.Model;
using RaftTimers.Node.Answers;
using RaftTimers.Node.Http;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Tests.Http;

/// <summary>The create/replace body as docs/api.md gives it: a timer spec, or a 400 whose reason names the field.</summary>
public sealed class TimerRequestParserTests
{
    private static readonly TimerRequestParser Parser = new(["http"], CallbackPolicy.FromSettings("", "", denyDefaults: false));

    private static TimerSpec Parse(string json) => Parser.Parse(Encoding.UTF8.GetBytes(json));

    private static string Refusal(string json)
    {
        var e = Assert.Throws<ApiException>(() => Parse(json));
        Assert.Equal(400, e.Status);
        return e.Message;
    }

    [Fact]
    public void A_skyring_body_becomes_a_spec()
    {
        var spec = Parse("""{"timeout":1500,"data":{"n":1},"callback":{"transport":"http","method":"put","uri":"http://10.0.0.1:8080/hook"}}""");
        Assert.Equal(1500, spec.TimeoutMs);
        Assert.Equal("put", spec.Callback.Method);
        Assert.Equal("http://10.0.0.1:8080/hook", spec.Callback.Uri);
        Assert.Equal(TimerDataKind.Json, spec.Data.Kind);
        Assert.Equal("""{"n":1}""", Encoding.UTF8.GetString(spec.Data.Utf8.Span));
    }

    [Fact]
    public void A_string_payload_is_kept_as_text()
        => Assert.Equal(TimerDataKind.Text, Parse("""{"timeout":1,"data":"hi","callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""").Data.Kind);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[]", "JSON object")]
    [InlineData("{\"timeout\":1", "malformed JSON")]
    [InlineData("""{"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""", "timeout is required")]
    [InlineData("""{"timeout":"5","callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""", "timeout must be an integer")]
    [InlineData("""{"timeout":0,"callback":{"transport":"http","method":"post","uri":"http://10.0.0.1/"}}""", "timeout must be between")]
    [InlineData("""{"timeout":1}""", "callback")]
    [InlineData("""{"timeout":1,"callback":{"transport":"carrier-pigeon","method":"post","uri":"http://10.0.0.1/"}}""", "transport")]
    [InlineData("""{"timeout":1,"callback":{"transport":"http","method":"post","uri":"not a uri"}}""", "uri")]
    public void A_bad_body_is_refused_with_a_reason_naming_what_is_wrong(string json, string reasonContains)
        => Assert.Contains(reasonContains, Refusal(json), StringComparison.OrdinalIgnoreCase);
}
