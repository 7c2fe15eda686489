using BenchmarkDotNet.Running;

// Usage (from the repository root): dotnet run -c Release --project tools/Microbenchmarks -- --filter '*' --job short
// Any BenchmarkDotNet option works: --filter '*Wheel*', --exporters json markdown, --artifacts DIR.
// The assembly is named like the project file: BenchmarkDotNet finds the project by that name (case-sensitive on Linux).
BenchmarkSwitcher.FromAssembly(typeof(RaftTimers.Microbenchmarks.Sample).Assembly).Run(args);
