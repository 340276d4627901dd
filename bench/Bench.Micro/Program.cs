using BenchmarkDotNet.Running;

// Usage: dotnet Canary.Bench.dll [BenchmarkDotNet arguments], e.g. --filter '*' (the default) or --list flat.
var arguments = args.Length == 0 ? ["--filter", "*"] : args;
BenchmarkSwitcher.FromAssembly(typeof(Canary.Bench.MicroConfig).Assembly).Run(arguments, new Canary.Bench.MicroConfig());
