using System.Globalization;
using System.Text;
using Canary.Router.Metrics;

namespace Canary.Router.State;

/// <summary>
/// Replica mode: the other replicas' running totals per release and version, as this replica last read them, merged
/// into what its guard judges (<see cref="Steps"/>, added to its own totals as <see cref="VersionCounts.PeerSteps"/>).
/// <list type="bullet">
/// <item>Each replica publishes its own cumulative totals under its own name, so a push read twice, retried or
/// arriving both by pub/sub and by the loop counts once: a push replaces the peer's totals, it does not add to them.
/// A push is taken only when its sequence number is above the last one taken from that peer.</item>
/// <item>A peer's totals count from the first time this replica saw it: what it had counted before is never news
/// (a replica started later judges from then on, and a peer that comes back after it was gone is not counted twice).</item>
/// <item>A peer that is gone (its pushes stopped for longer than their lifetime) keeps what it contributed in the sum:
/// the sum never goes down, so the guard's windows stay differences of growing totals.</item>
/// <item>Each push is stamped with the moment its counts belong to (<see cref="Format"/>), and the pushes of the last
/// <see cref="PeerSteps.Horizon"/> are kept, so the sum is also known as it stood at each of those moments
/// (<see cref="Steps"/>): the guard judges the others' counts where they happened, not where they arrived.</item>
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
    /// <param name="at">The push's stamp (microseconds since the Unix epoch): taken as no earlier than the peer's last.</param>
    public bool Merge(string peer, long sequence, IReadOnlyDictionary<(string Release, string Version), CountSnapshot> totals, long at)
    {
        if (!_peers.TryGetValue(peer, out var known))
        {
            // First sight: its totals so far are the baseline.
            _peers[peer] = new Peer(sequence, new(totals), new(totals), [new Push(at, new(totals))]);
            return true;
        }

        if (sequence <= known.Sequence)
        {
            return false;
        }

        // A version it had not counted before (its push leaves out zero totals) counts from zero.
        var history = known.History;
        var push = new Push(Math.Max(at, history[^1].At), new(totals));
        history.Add(push);

        // The newest push older than the horizon stays: it is what the peer had counted at any moment before it.
        var keepFrom = push.At - PeerSteps.HorizonMicroseconds;
        while (history.Count > 1 && history[1].At <= keepFrom)
        {
            history.RemoveAt(0);
        }

        _peers[peer] = known with { Sequence = sequence, Totals = push.Totals };
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

    /// <summary>
    /// What the other replicas counted of a release and version since this replica first saw each of them, as it stood
    /// at each stamp of the pushes kept (the last step: everything taken): a peer counts, at a moment, what its last
    /// push stamped no later had (before its first kept push, what that one had).
    /// </summary>
    public PeerSteps Steps((string Release, string Version) key)
    {
        var gone = _gone.GetValueOrDefault(key);
        var stamps = _peers.Values.SelectMany(p => p.History.Skip(1).Select(h => h.At)).Distinct().Order().ToArray();
        var sums = new CountSnapshot[stamps.Length];
        var before = gone;
        foreach (var peer in _peers.Values)
        {
            before = before.Plus(peer.Counted(0, key));
            var next = 1;
            for (var i = 0; i < stamps.Length; i++)
            {
                while (next < peer.History.Count && peer.History[next].At <= stamps[i])
                {
                    next++;
                }

                sums[i] = sums[i].Plus(peer.Counted(next - 1, key));
            }
        }

        for (var i = 0; i < sums.Length; i++)
        {
            sums[i] = sums[i].Plus(gone);
        }

        return new PeerSteps(before, stamps, sums);
    }

    /// <summary>
    /// A replica's totals as it pushes them: a first line "at STAMP", the moment they belong to (microseconds since the
    /// Unix epoch), then one line per release and version that has counted anything,
    /// "release version requests serverErrors transportErrors grpcErrors samples slow" (names hold no spaces).
    /// </summary>
    public static string Format(IEnumerable<KeyValuePair<(string Release, string Version), CountSnapshot>> totals, long at)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"at {at}\n");
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
    /// <param name="at">Their stamp; 0 when the text has none.</param>
    public static Dictionary<(string Release, string Version), CountSnapshot> Parse(string text, out long at)
    {
        var totals = new Dictionary<(string Release, string Version), CountSnapshot>();
        at = 0;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            var n = new long[6];
            if (f.Length == 2 && f[0] == "at" && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var stamp))
            {
                at = stamp;
            }
            else if (f.Length == 8 && Enumerable.Range(0, 6).All(i => long.TryParse(f[2 + i], NumberStyles.None, CultureInfo.InvariantCulture, out n[i])))
            {
                totals[(f[0], f[1])] = new CountSnapshot(n[0], n[1], n[2], n[3], n[4], n[5]);
            }
        }

        return totals;
    }

    private sealed record Peer(long Sequence, Dictionary<(string Release, string Version), CountSnapshot> Baseline,
        Dictionary<(string Release, string Version), CountSnapshot> Totals, List<Push> History)
    {
        /// <summary>What the push at <paramref name="index"/> of the history had counted since first sight.</summary>
        public CountSnapshot Counted(int index, (string Release, string Version) key) =>
            History[index].Totals.TryGetValue(key, out var totals) ? totals.Minus(Baseline.GetValueOrDefault(key)) : default;
    }

    /// <summary>One push taken: its stamp and the running totals it carried.</summary>
    private sealed record Push(long At, Dictionary<(string Release, string Version), CountSnapshot> Totals);
}
