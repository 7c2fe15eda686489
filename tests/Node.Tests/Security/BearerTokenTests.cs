using Microsoft.Extensions.Primitives;
using RaftTimers.Node.Security;

namespace RaftTimers.Node.Tests.Security;

/// <summary><see cref="BearerToken"/>: what configuration it accepts, and what it makes of an Authorization header.</summary>
public sealed class BearerTokenTests
{
    private const string Secret = "3f9c2b7a61d04e8f9a1b2c3d4e5f6071";
    private const string Setting = "RaftTimers:Security:ApiToken";

    private static readonly BearerToken Token = BearerToken.FromSetting(Secret, Setting)!;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void An_empty_setting_means_no_token(string? value) => Assert.Null(BearerToken.FromSetting(value, Setting));

    [Theory]
    [InlineData("short-secret")]
    [InlineData("fifteen-chars15")]
    [InlineData("has a space in the middle of it")]
    [InlineData("quote\"inside-the-token-value")]
    [InlineData("non-ascii-tökén-value-here")]
    [InlineData("================")]
    [InlineData("padding=in-the-middle-of-it")]
    public void A_setting_that_cannot_be_a_good_bearer_token_stops_the_node_without_echoing_it(string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() => BearerToken.FromSetting(value, Setting));
        Assert.StartsWith(Setting, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0123456789abcdef")]
    [InlineData("base64+token/with/padding==")]
    [InlineData("url-safe_token.with~chars")]
    public void Token68_values_of_sixteen_characters_or_more_are_accepted(string value)
    {
        var token = BearerToken.FromSetting(value, Setting);
        Assert.NotNull(token);
        Assert.Equal(BearerCheck.Accepted, token.Check(new StringValues($"Bearer {value}")));
    }

    [Theory]
    [InlineData("Bearer " + Secret, BearerCheck.Accepted)]
    [InlineData("bearer " + Secret, BearerCheck.Accepted)]
    [InlineData("BEARER  " + Secret + " ", BearerCheck.Accepted)]
    [InlineData("Bearer " + Secret + "0", BearerCheck.Rejected)]
    [InlineData("Bearer " + "3f9c2b7a61d04e8f", BearerCheck.Rejected)]
    [InlineData("Bearer 3F9C2B7A61D04E8F9A1B2C3D4E5F6071", BearerCheck.Rejected)]
    [InlineData("Bearer  x", BearerCheck.Rejected)]
    [InlineData("Bearer ", BearerCheck.Missing)] // a header value arrives trimmed: no credentials at all
    [InlineData("Bearer", BearerCheck.Missing)]
    [InlineData("Basic dXNlcjpwYXNz", BearerCheck.Missing)]
    [InlineData(Secret, BearerCheck.Missing)]
    [InlineData("", BearerCheck.Missing)]
    public void An_authorization_header_is_accepted_only_with_the_bearer_scheme_and_the_exact_token(string header, BearerCheck expected)
        => Assert.Equal(expected, Token.Check(new StringValues(header)));

    [Fact]
    public void No_header_is_missing_and_two_headers_are_rejected_even_if_one_is_right()
    {
        Assert.Equal(BearerCheck.Missing, Token.Check(StringValues.Empty));
        Assert.Equal(BearerCheck.Rejected, Token.Check(new StringValues(["Bearer " + Secret, "Bearer " + Secret])));
    }

    [Fact]
    public void A_presented_token_longer_than_the_stack_buffer_is_compared_too()
    {
        Assert.Equal(BearerCheck.Rejected, Token.Check(new StringValues("Bearer " + new string('a', 20_000))));
        var longSecret = new string('k', 5_000);
        Assert.Equal(BearerCheck.Accepted, BearerToken.FromSetting(longSecret, Setting)!.Check(new StringValues("Bearer " + longSecret)));
    }

    [Fact]
    public void Two_tokens_from_two_settings_do_not_accept_each_other()
    {
        // The admin token is meant to be another instance of this type: an API token must never open admin endpoints.
        var admin = BearerToken.FromSetting("admin-" + Secret, "RaftTimers:Security:AdminToken")!;
        Assert.Equal(BearerCheck.Rejected, admin.Check(new StringValues("Bearer " + Secret)));
        Assert.Equal(BearerCheck.Rejected, Token.Check(new StringValues("Bearer admin-" + Secret)));
    }
}
