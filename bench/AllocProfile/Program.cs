using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Reads .nettrace files taken with dotnet-trace's gc-verbose profile and tells which types were allocated, per
// request: the runtime samples an AllocationTick about every 100 KB, naming the type that crossed the mark, so the
// bytes per type are the tick amounts summed (an estimate, good to a few per cent at thousands of ticks).
// Usage: Canary.Bench.AllocProfile [--top N] LABEL=TRACE.nettrace:REQUESTS ...
// Prints a markdown table: one row per type (the top N by the largest per-request figure), one column per trace.
var top = 15;
var inputs = new List<(string Label, string Path, long Requests)>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--top" && i + 1 < args.Length)
    {
        top = int.Parse(args[++i], CultureInfo.InvariantCulture);
        continue;
    }

    var eq = args[i].IndexOf('=', StringComparison.Ordinal);
    var colon = args[i].LastIndexOf(':');
    if (eq < 1 || colon < eq)
    {
        Console.Error.WriteLine($"expected LABEL=TRACE:REQUESTS, got '{args[i]}'");
        return 2;
    }

    inputs.Add((args[i][..eq], args[i][(eq + 1)..colon], long.Parse(args[i][(colon + 1)..], CultureInfo.InvariantCulture)));
}

var perTrace = new List<Dictionary<string, double>>();
foreach (var (_, path, requests) in inputs)
{
    var bytes = new Dictionary<string, double>(StringComparer.Ordinal);
    using (var source = new EventPipeEventSource(path))
    {
        source.Clr.GCAllocationTick += (GCAllocationTickTraceData tick) =>
        {
            var type = string.IsNullOrEmpty(tick.TypeName) ? "(unknown)" : tick.TypeName;
            bytes[type] = bytes.GetValueOrDefault(type) + tick.AllocationAmount64;
        };
        source.Process();
    }

    perTrace.Add(bytes.ToDictionary(p => p.Key, p => p.Value / Math.Max(1, requests), StringComparer.Ordinal));
}

var types = perTrace.SelectMany(t => t.Keys).Distinct(StringComparer.Ordinal)
    .OrderByDescending(type => perTrace.Max(t => t.GetValueOrDefault(type)))
    .Take(top)
    .ToList();
Console.WriteLine("| type (B/request) | " + string.Join(" | ", inputs.Select(i => i.Label)) + " |");
Console.WriteLine("|---|" + string.Concat(inputs.Select(_ => "---:|")));
foreach (var type in types)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| `{Shorten(type)}` | {string.Join(" | ", perTrace.Select(t => t.GetValueOrDefault(type).ToString("0", CultureInfo.InvariantCulture)))} |"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| **all types** | {string.Join(" | ", perTrace.Select(t => t.Values.Sum().ToString("0", CultureInfo.InvariantCulture)))} |"));
return 0;

static string Shorten(string type) => type.Length <= 140 ? type : type[..137] + "...";
