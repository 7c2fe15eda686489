using RaftTimers.Node.Http;

namespace RaftTimers.Node.Tests.Http;

/// <summary>Which declared content types count as a JSON body: the ones a browser cannot send cross-site without a preflight.</summary>
public sealed class RequestBodyTests
{
    [Theory]
    [InlineData("application/json", true)]
    [InlineData("Application/JSON; charset=utf-8", true)]
    [InlineData("application/problem+json", true)]
    [InlineData("application/vnd.orders.v2+json; charset=utf-8", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("text/plain", false)]
    [InlineData("text/plain; charset=utf-8", false)]
    [InlineData("application/x-www-form-urlencoded", false)]
    [InlineData("multipart/form-data; boundary=x", false)]
    [InlineData("text/json", false)]
    [InlineData("application/jsonp", false)]
    [InlineData("json", false)]
    public void Only_application_json_and_json_suffixed_types_are_a_JSON_body(string? contentType, bool json)
        => Assert.Equal(json, RequestBody.IsJson(contentType));
}
