using System.Globalization;
using System.Text;
using Canary.Router.Metrics;

namespace Canary.Router.State;

/// <summary>
/// Replica mode: the other replicas' running totals per release and version, as this replica last read them, merged
/// into what its guard judges (<see cref="Sum"/>, added to its own totals as <see cref="VersionCounts.Peers"/>).
/// <list type="bullet">
/// <item>Each replica publishes its own cumulative totals under its own name, so a push read twice, retried or
/// arriving both by pub/sub and by the loop counts once: a push replaces the peer's totals, it does not add to them.
/// A push is taken only when its sequence number is above the last one taken from that peer.</item>
/// <item>A peer's totals count from the first time this replica saw it: what it had counted before is never news
/// (a replica started later judges from then on, and a peer that comes back after it was gone is not counted twice).</item>
/// <item>A peer that is gone (its pushes stopped for longer than their lifetime) keeps what it contributed in the sum:
/// the sum never goes down, so the guard's windows stay differences of growing totals.</item>
/// </list>
/// Not thread-safe: its owner (<see cref="RedisStateStore"/>) serializes the loop and the pub/sub handler.
/// </summary>
internal sealed class PeerTotals
{
    private readonly Dictionary<string, Peer> _peers = new(StringComparer.Ordinal);

    // What peers that are gone had contributed when they went.
    private readonly Dictionary<(string Release, string Version), CountSnapshot> _gone = [];

    /// <summary>The peers whose pushes have been taken, with the sequence number of the last one.</summary>
    public IEnumerable<KeyValuePair<string, long>> Known => _peers.Select(p => KeyValuePair.Create(p.Key, p.Value.Sequence));

    /// <summary>Every release and version that has a sum.</summary>
    public IEnumerable<(string Release, string Version)> Keys => _gone.Keys.Concat(_peers.Values.SelectMany(p => p.Totals.Keys)).Distinct();

    /// <summary>Takes <paramref name="peer"/>'s push; false (nothing changed) when it is not newer than the last one taken.</summary>
    public bool Merge(string peer, long sequence, IReadOnlyDictionary<(string Release, string Version), CountSnapshot> totals)
    {
        if (!_peers.TryGetValue(peer, out var known))
        {
            // First sight: its totals so far are the baseline.
            _peers[peer] = new Peer(sequence, new(totals), new(totals));
            return true;
        }

        if (sequence <= known.Sequence)
        {
            return false;
        }

        // A version it had not counted before (its push leaves out zero totals) counts from zero.
        _peers[peer] = known with { Sequence = sequence, Totals = new(totals) };
        return true;
    }

    /// <summary>Forgets the peers not in <paramref name="live"/>, keeping what they contributed; true when one went.</summary>
    public bool Keep(IReadOnlySet<string> live)
    {
        var gone = _peers.Keys.Where(p => !live.Contains(p)).ToList();
        foreach (var name in gone)
        {
            var peer = _peers[name];
            foreach (var (key, totals) in peer.Totals)
            {
                _gone[key] = _gone.GetValueOrDefault(key).Plus(totals.Minus(peer.Baseline.GetValueOrDefault(key)));
            }

            _peers.Remove(name);
        }

        return gone.Count > 0;
    }

    /// <summary>What the other replicas counted of a release and version since this replica first saw each of them.</summary>
    public CountSnapshot Sum((string Release, string Version) key)
    {
        var sum = _gone.GetValueOrDefault(key);
        foreach (var peer in _peers.Values)
        {
            if (peer.Totals.TryGetValue(key, out var totals))
            {
                sum = sum.Plus(totals.Minus(peer.Baseline.GetValueOrDefault(key)));
            }
        }

        return sum;
    }

    /// <summary>
    /// A replica's totals as it pushes them: one line per release and version that has counted anything,
    /// "release version requests serverErrors transportErrors grpcErrors samples slow" (names hold no spaces).
    /// </summary>
    public static string Format(IEnumerable<KeyValuePair<(string Release, string Version), CountSnapshot>> totals)
    {
        var text = new StringBuilder();
        foreach (var ((release, version), t) in totals)
        {
            if (t != default)
            {
                text.Append(CultureInfo.InvariantCulture, $"{release} {version} {t.Requests} {t.ServerErrors} {t.TransportErrors} {t.GrpcErrors} {t.Samples} {t.Slow}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The totals <see cref="Format"/> wrote; lines it cannot read (a newer router's) are left out.</summary>
    public static Dictionary<(string Release, string Version), CountSnapshot> Parse(string text)
    {
        var totals = new Dictionary<(string Release, string Version), CountSnapshot>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            var n = new long[6];
            if (f.Length == 8 && Enumerable.Range(0, 6).All(i => long.TryParse(f[2 + i], NumberStyles.None, CultureInfo.InvariantCulture, out n[i])))
            {
                totals[(f[0], f[1])] = new CountSnapshot(n[0], n[1], n[2], n[3], n[4], n[5]);
            }
        }

        return totals;
    }

    private sealed record Peer(long Sequence, Dictionary<(string Release, string Version), CountSnapshot> Baseline,
        Dictionary<(string Release, string Version), CountSnapshot> Totals);
}
