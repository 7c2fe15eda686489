using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RaftTimers.Core.Apply;

namespace RaftTimers.Tests;

/// <summary>
/// The chunked id index against <see cref="SortedSet{T}"/>: thousands of random adds and removes over key spaces
/// small and large enough to split and merge chunks many times (chunks hold 512 ids), with every "ids after x"
/// answer compared on the way. Ops come from a seeded random, so a failure's seed replays it.
/// </summary>
public sealed class SortedIdIndexProperties
{
    private static Gen<(int Seed, int Ops, int Keys)> Runs =>
        from seed in Gen.Choose(0, int.MaxValue)
        from ops in Gen.Choose(1, 6000)
        from keys in Gen.Elements(8, 600, 3000, 20_000)
        select (seed, ops, keys);

    [Property(MaxTest = 60)]
    public Property Matches_a_sorted_set_through_random_adds_removes_and_pages()
        => Prop.ForAll(Runs.ToArbitrary(), run =>
        {
            var random = new Random(run.Seed);
            var index = new SortedIdIndex();
            var model = new SortedSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < run.Ops; i++)
            {
                var id = Key(random, run.Keys);
                var roll = random.Next(10);
                if (roll < 6)
                {
                    Assert.Equal(model.Add(id), index.Add(id));
                }
                else if (roll < 9)
                {
                    Assert.Equal(model.Remove(id), index.Remove(id));
                }
                else
                {
                    var after = random.Next(4) == 0 ? null : Key(random, run.Keys);
                    var expected = model.Where(x => after is null || string.CompareOrdinal(x, after) > 0).Take(50).ToList();
                    Assert.Equal(expected, index.After(after).Take(50).ToList());
                }

                Assert.Equal(model.Count, index.Count);
            }

            Assert.Equal(model.ToList(), index.After(null).ToList());
            return true;
        });

    [Fact]
    public void Ids_after_one_past_the_end_or_before_the_start_are_none_and_all()
    {
        var index = new SortedIdIndex();
        Assert.Empty(index.After(null));
        Assert.Empty(index.After("m"));
        for (var i = 0; i < 2000; i++)
            Assert.True(index.Add($"id-{i:D5}"));
        Assert.False(index.Add("id-00010"));
        Assert.Empty(index.After("zzz"));
        Assert.Equal(2000, index.After("a").Count());
        Assert.Equal("id-01000", index.After("id-00999").First());
        Assert.Equal("id-01000", index.After("id-00999~").First());
        index.Clear();
        Assert.Equal(0, index.Count);
        Assert.Empty(index.After(null));
    }

    // Ids of varied length and shared prefixes, like client-chosen ids and UUIDs mixed.
    private static string Key(Random random, int keys)
    {
        var n = random.Next(keys);
        return (n % 3) switch
        {
            0 => $"order-{n}",
            1 => $"o{n:x}",
            _ => $"{n:D8}-{n % 7}",
        };
    }
}
