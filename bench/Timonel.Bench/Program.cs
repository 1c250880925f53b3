// Benchmarks are run by hand and reported in docs/benchmarks.md; they are never timed assertions.
// Usage: dotnet run -c Release --project bench/Timonel.Bench -- BENCHMARK [flags]
var benchmarks = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal);

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: Timonel.Bench BENCHMARK [flags]; benchmarks: " + string.Join(", ", benchmarks.Keys));
    return 2;
}
return await run(args[1..]);
