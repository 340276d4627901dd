using System.Diagnostics;
using System.Globalization;
using System.Text;
using Canary.Bench.GuardSim;
using Canary.Router.Configuration;
using Canary.Router.Guard;
using Canary.Router.Metrics;

// A pure, seeded Monte-Carlo simulation of the guard at the level of counts: per 100 ms tick, Poisson request and
// failure counts for both versions; the new rule (the router's own EventEvidence and GuardPolicy.Breach) and the old
// one (OldRule) judge side by side. Usage: GuardSim [--runs 1000] [--seconds 3600] [--out results.md]
// GuardSim --replicas [--runs 200] [--round-trip-us 1000] [--out results.md]: the guard over replicas instead
// (Replicas.cs), request by request, with that round trip to Redis.
var runs = Arg("--runs", args.Contains("--replicas") ? 200 : 1000);
var seconds = Arg("--seconds", 3600);
var output = ArgText("--out");
var clock = Stopwatch.StartNew();
if (args.Contains("--replicas"))
{
    Write(ReplicaReport());
    return;
}

var options = new GuardOptions(); // The defaults: what an operator gets without touching the Guard section.
double[] bases = [0.001, 0.01, 0.05];
double[] rates = [1, 5, 25, 100, 1000];
double[] weights = [1, 10, 50];
var cells = (from b in bases from r in rates from w in weights select new Cell(b, r, w)).ToArray();

// 1. False rollbacks: identical versions at the base rate for the whole run.
var nullOld = new int[cells.Length];
var nullNew = new int[cells.Length];
Parallel.For(0, cells.Length * runs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
{
    var cell = cells[job / runs];
    var (oldFired, newFired) = Simulation.Null(options, cell, seconds, new Rng(Seed(1, job)));
    if (oldFired)
    {
        Interlocked.Increment(ref nullOld[job / runs]);
    }

    if (newFired)
    {
        Interlocked.Increment(ref nullNew[job / runs]);
    }
});
var nullSeconds = clock.Elapsed.TotalSeconds;

// 2. A canary that fails every request from its start, and one that starts failing after 10 healthy minutes:
// failed user requests before the rollback.
var deadOld = new double[cells.Length, runs];
var deadNew = new double[cells.Length, runs];
var lateOld = new double[cells.Length, runs];
var lateNew = new double[cells.Length, runs];
Parallel.For(0, cells.Length * runs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
{
    (deadOld[job / runs, job % runs], deadNew[job / runs, job % runs]) = Simulation.Dead(options, cells[job / runs], 0, new Rng(Seed(2, job)));
    (lateOld[job / runs, job % runs], lateNew[job / runs, job % runs]) = Simulation.Dead(options, cells[job / runs], 600, new Rng(Seed(4, job)));
});

// 3. Detection: canary at 10% against stable's 1%, 25 canary requests a second, from the canary's first second.
Cell[] detectCells = [new(0.01, 25, 10), new(0.01, 25, 50)];
var detect = new (double OldSeconds, double NewSeconds, double NewRequests)[detectCells.Length, runs];
Parallel.For(0, detectCells.Length * runs, job =>
    detect[job / runs, job % runs] = Simulation.Detect(options, detectCells[job / runs], 0.10, new Rng(Seed(3, job))));

var report = new StringBuilder();
report.AppendLine(Inv($"Seeded Monte-Carlo, {runs} runs a cell, {seconds} s canaries, default Guard options (FalseRollbackRate {options.FalseRollbackRate}, MaxErrorRate {options.MaxErrorRate}, MaxErrorRateAboveStable {options.MaxErrorRateAboveStable}, WindowSeconds {options.WindowSeconds}, MinRequests {options.MinRequests}); {Environment.ProcessorCount} cores, {clock.Elapsed.TotalSeconds:0} s in all ({nullSeconds:0} s for the false-rollback grid)."));
report.AppendLine();
report.AppendLine("| base error | canary req/s | weight % | false rollbacks old | false rollbacks new | dead from start: median failed requests old | new | new p90 | dead after 10 healthy min: old | new | new p90 |");
report.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
for (var i = 0; i < cells.Length; i++)
{
    var c = cells[i];
    report.AppendLine(Inv($"| {c.Base:0.###} | {c.CanaryRate:0} | {c.Weight:0} | {(double)nullOld[i] / runs:0.000} | {(double)nullNew[i] / runs:0.000} | {QuantileOf(deadOld, i, 0.5):0.#} | {QuantileOf(deadNew, i, 0.5):0.#} | {QuantileOf(deadNew, i, 0.9):0.#} | {QuantileOf(lateOld, i, 0.5):0.#} | {QuantileOf(lateNew, i, 0.5):0.#} | {QuantileOf(lateNew, i, 0.9):0.#} |"));
}

report.AppendLine();
report.AppendLine("| detection: canary 10% vs stable 1%, 25 canary req/s | median s old | median s new | new p90 s | median canary requests new | fixed-horizon n (power 50%) | ratio | fixed-horizon n (power 80%) | ratio |");
report.AppendLine("|---|---|---|---|---|---|---|---|---|");
for (var i = 0; i < detectCells.Length; i++)
{
    var c = detectCells[i];
    var newRequests = Median(Enumerable.Range(0, runs).Select(r => detect[i, r].NewRequests));
    var fixed50 = FixedHorizon.CanaryRequests(options, 0.10, c.Base, c.Weight, power: 0.5);
    var fixed80 = FixedHorizon.CanaryRequests(options, 0.10, c.Base, c.Weight, power: 0.8);
    report.AppendLine(Inv($"| weight {c.Weight:0}% | {Median(Enumerable.Range(0, runs).Select(r => detect[i, r].OldSeconds)):0.#} | {Median(Enumerable.Range(0, runs).Select(r => detect[i, r].NewSeconds)):0.#} | {Quantile(Enumerable.Range(0, runs).Select(r => detect[i, r].NewSeconds), 0.9):0.#} | {newRequests:0} | {fixed50:0} | {newRequests / fixed50:0.00} | {fixed80:0} | {newRequests / fixed80:0.00} |"));
}

Write(report.ToString());

// One router against 1 and 3 replicas sharing the same seeded traffic, at three rates: failed requests and reaction.
string ReplicaReport()
{
    var roundTrip = Arg("--round-trip-us", 1000);
    double[] totals = [300, 1100, 3000];
    int[] fleets = [1, 3];
    var results = new (int Failed, double ReactionMs)[totals.Length, fleets.Length, runs];
    Parallel.For(0, totals.Length * fleets.Length * runs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
    {
        var (cell, run) = (job / runs, job % runs);
        var (t, f) = (cell / fleets.Length, cell % fleets.Length);
        // The same seed for every fleet size: the same arrivals, outcomes and moment of the fault.
        results[t, f, run] = Replicas.Run(fleets[f], totals[t], 10, roundTrip, new Rng(Seed(5, (t * runs) + run)));
    });

    var text = new StringBuilder();
    text.AppendLine(Inv($"Seeded simulation of the guard over replicas (bench/GuardSim/Replicas.cs), {runs} runs a cell: canary at 10%, failing every request from a random moment 20 s into its life; Guard WindowSeconds 5, MinRequests 10, MaxErrorRate 0.05 (bench/replicas.sh's); round trip to Redis {roundTrip / 1000.0:0.###} ms; {clock.Elapsed.TotalSeconds:0} s."));
    text.AppendLine();
    text.AppendLine("| requests/s over the fleet | routers | failed user requests: mean | median | p90 | first failure to the first rollback: median ms | p90 ms | failed, against one router (mean) |");
    text.AppendLine("|---|---|---|---|---|---|---|---|");
    for (var t = 0; t < totals.Length; t++)
    {
        for (var f = 0; f < fleets.Length; f++)
        {
            var failed = Enumerable.Range(0, runs).Select(r => (double)results[t, f, r].Failed).ToList();
            var reaction = Enumerable.Range(0, runs).Select(r => results[t, f, r].ReactionMs).ToList();
            var single = Enumerable.Range(0, runs).Average(r => (double)results[t, 0, r].Failed);
            text.AppendLine(Inv($"| {totals[t]:0} | {fleets[f]} | {failed.Average():0.00} | {Median(failed):0} | {Quantile(failed, 0.9):0} | {Median(reaction):0.0} | {Quantile(reaction, 0.9):0.0} | {failed.Average() / single:0.000} |"));
        }
    }

    return text.ToString();
}

void Write(string text)
{
    Console.Write(text);
    if (output is not null)
    {
        File.WriteAllText(output, text);
    }
}

static ulong Seed(int scenario, int job) => ((ulong)scenario << 40) ^ (ulong)job ^ 0x5EED_CA11_A000UL;

static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

static double Quantile(IEnumerable<double> values, double q)
{
    var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
    return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}

static double Median(IEnumerable<double> values) => Quantile(values, 0.5);

double QuantileOf(double[,] values, int cell, double q) => Quantile(Enumerable.Range(0, values.GetLength(1)).Select(r => values[cell, r]), q);

int Arg(string name, int fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

string? ArgText(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
