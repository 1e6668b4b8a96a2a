using System.Globalization;
using System.Text;
using Npgsql;

namespace Lifecycle.Bench.Scale;

/// <summary>
/// <c>make bench-scale</c>: what 1, 2 and 3 control-plane replicas gain on this machine. The drain rate
/// and the accept rate, each replica its own process, and a HostMonitor pass split by host shards;
/// every figure as a ratio to one replica in the same run, with where the cores went.
/// </summary>
public sealed class ScaleBench(LocalServers servers, NpgsqlDataSource dataSource, ScaleSettings settings)
{
    public async Task<Section> RunAsync()
    {
        var cpu = new CpuMeter()
            .Add("harness", () => [Environment.ProcessId])
            .AddPostgres("postgres", Path.Combine(servers.DataDirectory, "postgres.pid"))
            .AddPidFile("redis", Path.Combine(servers.DataDirectory, "redis.pid"));
        // The pass first: it needs no replica processes, and its 100,000 rows are gone before the others start.
        var loadBefore = LoadAverage();
        var pass = await new PassSplit(servers, dataSource, settings, cpu).RunAsync();
        await ScaleDatabase.EmptyAsync(dataSource);
        var drain = await new DrainScale(servers, dataSource, settings, cpu).RunAsync();
        var accept = await new AcceptScale(servers, dataSource, settings, cpu).RunAsync();
        var section = new Section(settings, drain, accept, pass, loadBefore, LoadAverage());
        Console.WriteLine(section.Verdict());
        return section;
    }

    /// <summary>The 1, 5 and 15 minute load averages: how busy the machine was with work other than this.</summary>
    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    public sealed record Section(ScaleSettings Sizes, List<DrainScale.Figure> Drain, List<AcceptScale.Figure> Accept, PassSplit.Figure Pass, string LoadBefore, string LoadAfter) : IResultSection
    {
        public string Title => "Scaling out: 1, 2 and 3 control-plane replicas";

        public string Settings =>
            $"{Sizes.Partitions} event partitions; replicas are Release control-plane processes with the HostMonitor off; " +
            $"drain: {Sizes.DrainSandboxes * 4:N0} events over {Sizes.DrainSandboxes:N0} sandboxes, batch 512; " +
            $"accept: {Sizes.AcceptClients} closed-loop clients for {Sizes.AcceptSeconds} s, round-robin over the replicas, {Sizes.AcceptHosts} simulated hosts at zero RPC latency; " +
            $"pass: {Sizes.PassHosts} simulated hosts x {Sizes.PassPerHost} sandboxes, {Sizes.Repeats} runs of everything after one warm-up run; " +
            "Redis (one node, AOF, fsync every second), Postgres (fsync and synchronous_commit on), the load generator and the simulated hosts all on the same machine";

        public string Reproduce => "make bench-scale";

        private double DrainRatio(int replicas) => Drain.Single(d => d.Replicas == replicas).EventsPerSecond.Median / Drain.Single(d => d.Replicas == 1).EventsPerSecond.Median;

        private double AcceptRatio(int replicas, Func<AcceptScale.Figure, AcceptScale.Run[]> runs) =>
            Median(runs(Accept.Single(a => a.Replicas == replicas)), r => r.PerSecond) / Median(runs(Accept.Single(a => a.Replicas == 1)), r => r.PerSecond);

        public void WriteBody(StringBuilder md)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Load average before the run {LoadBefore}, after it {LoadAfter}. Cores used are per second of wall time; harness is this process (the load generator, the simulated hosts, the in-process passes); others is the machine's busy time no group accounts for: other tenants of the machine.");
            md.AppendLine();
            md.AppendLine("## Drain to zero lag and zero pending, every partition");
            md.AppendLine();
            md.AppendLine("| replicas | events/s median | min | max | ratio to 1 | cores: replicas / postgres / redis / harness / others |");
            md.AppendLine("|---:|---:|---:|---:|---:|---|");
            foreach (var d in Drain)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {d.Replicas} | {d.EventsPerSecond.Median:N0} | {d.EventsPerSecond.Min:N0} | {d.EventsPerSecond.Max:N0} | **{DrainRatio(d.Replicas):F2}x** | {Cores(d.CoresUsed)} |");
            }
            md.AppendLine();
            md.AppendLine("## Accept: closed loop, requests round-robin over the replicas");
            md.AppendLine();
            md.AppendLine("| replicas | load | accepted/s median | min | max | p50 / p99 ms | ratio to 1 | not 202 | cores: replicas / postgres / redis / harness / others |");
            md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---|");
            foreach (var a in Accept)
            {
                Accepted(md, a.Replicas, "creates", a.Creates, AcceptRatio(a.Replicas, f => f.Creates));
                Accepted(md, a.Replicas, "creates + pauses", a.CreatesAndPauses, AcceptRatio(a.Replicas, f => f.CreatesAndPauses));
            }
            md.AppendLine();
            md.AppendLine("## HostMonitor pass, whole fleet on one replica vs split by host shards");
            md.AppendLine();
            md.AppendLine("| measure | median | min | max |");
            md.AppendLine("|---|---:|---:|---:|");
            ResultsFile.Row(md, $"whole pass, one replica, {Pass.Hosts} hosts (s)", Pass.WholeSeconds, "F2");
            ResultsFile.Row(md, "  CPU it cost: this process (pass and hosts) + Postgres + Redis (core-s)", Pass.WholeCpuSeconds, "F2");
            ResultsFile.Row(md, $"{Pass.Replicas} replicas' shares at once, slowest share (s)", Pass.SlowestShareSeconds, "F2");
            ResultsFile.Row(md, "  CPU they cost together (core-s)", Pass.SplitCpuSeconds, "F2");
            ResultsFile.Row(md, "one share alone, nothing else running (s)", Pass.ShareAloneSeconds, "F2");
            ResultsFile.Row(md, $"one scheduled slice, 1/{Pass.Slices} of the hosts (s)", Pass.SliceSeconds, "F2");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Hosts per replica's shards (64 shards, capped rendezvous): {string.Join(", ", Pass.HostsPerShare)}.");
            md.AppendLine();
            md.AppendLine("Ratios of medians, measured in the same run:");
            md.AppendLine();
            foreach (var d in Drain.Where(d => d.Replicas > 1))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- drain, {d.Replicas} replicas / 1: **{DrainRatio(d.Replicas):F2}x**");
            }
            foreach (var a in Accept.Where(a => a.Replicas > 1))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- accept (creates), {a.Replicas} replicas / 1: **{AcceptRatio(a.Replicas, f => f.Creates):F2}x**; creates + pauses: {AcceptRatio(a.Replicas, f => f.CreatesAndPauses):F2}x");
            }
            md.AppendLine(CultureInfo.InvariantCulture, $"- pass, slowest of {Pass.Replicas} shares at once / whole pass: **{Pass.SlowestShareSeconds.Median / Pass.WholeSeconds.Median:F2}x** the wall time, {Pass.SplitCpuSeconds.Median / Pass.WholeCpuSeconds.Median:F2}x the CPU");
            md.AppendLine(CultureInfo.InvariantCulture, $"- pass, one share alone / whole pass: {Pass.ShareAloneSeconds.Median / Pass.WholeSeconds.Median:F2}x (ideal 1/{Pass.Replicas} = {1.0 / Pass.Replicas:F2}x)");
            md.AppendLine(CultureInfo.InvariantCulture, $"- pass, one slice / whole pass: {Pass.SliceSeconds.Median / Pass.WholeSeconds.Median:F2}x (ideal 1/{Pass.Slices} = {1.0 / Pass.Slices:F2}x)");
            md.AppendLine();
            md.AppendLine("## What bounds the gain here");
            md.AppendLine();
            md.AppendLine(
                $"The machine has {Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)} cores, shared by the replicas, Postgres, Redis, the load generator and the simulated hosts " +
                "(and other tenants: the 'others' column). " +
                "A replica adds consumer and API capacity, not cores: once both cores are busy, another process can only take CPU from Postgres, " +
                "which does most of the work per event and per request. Every drain batch and every accepted create ends in a Postgres commit " +
                "with fsync (synchronous_commit on), so commit latency caps each consumer's batches per second whatever the replica count; " +
                "more replicas mean more batches in flight, which helps only while cores are idle. In production each replica and Postgres " +
                "have cores of their own, and the same split would gain more.");
        }

        private static void Accepted(StringBuilder md, int replicas, string load, AcceptScale.Run[] runs, double ratio)
        {
            var rate = Stats.Of([.. runs.Select(r => r.PerSecond)]);
            var cores = runs.SelectMany(r => r.CoresUsed).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => Stats.Of([.. g.Select(c => c.Value)]).Median);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {replicas} | {load} | {rate.Median:N0} | {rate.Min:N0} | {rate.Max:N0} | {Median(runs, r => r.P50Ms):F1} / {Median(runs, r => r.P99Ms):F1} | **{ratio:F2}x** | {runs.Sum(r => r.Failures)} | {Cores(cores)} |");
        }

        /// <summary>Cores used by each group; "others" is the machine's busy time that none of them account for (other tenants).</summary>
        private static string Cores(IReadOnlyDictionary<string, double> cores)
        {
            double Of(string key) => cores.TryGetValue(key, out var v) ? v : 0;
            var others = Of("machine busy") - Of("replicas") - Of("postgres") - Of("redis") - Of("harness");
            return string.Join(" / ", new[] { Of("replicas"), Of("postgres"), Of("redis"), Of("harness"), Math.Max(0, others) }
                .Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));
        }

        private static double Median<T>(IReadOnlyCollection<T> runs, Func<T, double> value) => Stats.Of([.. runs.Select(value)]).Median;

        public string Verdict() =>
            "scale: drain " + string.Join(", ", Drain.Select(d => $"{d.Replicas}: {d.EventsPerSecond.Median:N0}/s ({DrainRatio(d.Replicas):F2}x)")) +
            "; accept " + string.Join(", ", Accept.Select(a => $"{a.Replicas}: {Median(a.Creates, r => r.PerSecond):N0}/s ({AcceptRatio(a.Replicas, f => f.Creates):F2}x)")) +
            $"; pass whole {Pass.WholeSeconds.Median:F2} s, slowest of {Pass.Replicas} shares {Pass.SlowestShareSeconds.Median:F2} s ({Pass.SlowestShareSeconds.Median / Pass.WholeSeconds.Median:F2}x)";
    }
}
