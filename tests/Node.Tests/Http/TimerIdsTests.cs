using RaftTimers.Core.Model;
using RaftTimers.Node.Http;

namespace RaftTimers.Node.Tests.Http;

/// <summary>Unit tests of the ids a node makes for creates without <c>x-timer-id</c>.</summary>
public sealed class TimerIdsTests
{
    [Fact]
    public void An_id_is_a_version_7_uuid_carrying_its_millisecond_and_a_valid_timer_id()
    {
        const long unixMs = 1_780_000_123_456;
        var id = TimerIds.NewId(unixMs, new Random(7));

        Assert.True(TimerLimits.IsValidId(id));
        var guid = Guid.Parse(id);
        Assert.Equal(7, guid.Version);
        Assert.Equal(id, guid.ToString("D"));
        Assert.True((guid.ToByteArray(bigEndian: true)[8] & 0xC0) == 0x80, "RFC 9562 variant bits");
        Assert.Equal(unixMs.ToString("x12"), id.Replace("-", "", StringComparison.Ordinal)[..12]);
    }

    [Fact]
    public void Ids_sort_by_their_millisecond_and_do_not_repeat_within_one()
    {
        var random = new Random(11);
        var earlier = Enumerable.Range(0, 1000).Select(_ => TimerIds.NewId(1_780_000_000_000, random)).ToList();
        var later = TimerIds.NewId(1_780_000_000_001, random);

        Assert.Equal(earlier.Count, earlier.Distinct().Count());
        Assert.All(earlier, id => Assert.True(string.CompareOrdinal(id, later) < 0, $"{id} sorts after {later}"));
    }
}
