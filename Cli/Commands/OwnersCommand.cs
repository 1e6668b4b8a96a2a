using System.CommandLine;
using Lifecycle.Infrastructure.Ownership;
using Microsoft.Extensions.Options;
using Npgsql;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>owners</c>: which replica holds each event partition and each shard of hosts, with the lease's fence
/// and expiry. Exits 1 when a slot has no live owner (being handed over, or a replica just died).
/// </summary>
public static class OwnersCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var command = new Command("owners", "Replicas and what they own: every stream partition's and every shard of hosts' lease");
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var period = session.Get<IOptions<OwnershipOptions>>().Value.LeasePeriod;
            var leases = await LeaseStore.ListAsync(session.Get<NpgsqlDataSource>(), period, ct);
            var now = session.Clock.GetUtcNow();
            var views = leases.Select(l => new LeaseView(l.Kind, l.Slot, l.Owner, l.Live, l.Fence, l.AcquiredAt,
                l.ExpiresAt == DateTime.MinValue ? null : (long)(new DateTimeOffset(l.ExpiresAt, TimeSpan.Zero) - now).TotalMilliseconds)).ToList();
            var unowned = views.Where(v => !v.Live).ToList();
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { leases = views, unowned = unowned.Count });
            }
            else
            {
                var replicas = views.Where(v => v.Live).GroupBy(v => v.Owner!).OrderBy(g => g.Key, StringComparer.Ordinal);
                output.Table(["REPLICA", "PARTITIONS", "HOST SHARDS"], replicas.Select(g => new[]
                {
                    g.Key,
                    Number(g.Count(v => v.Kind == LeaseKind.EventPartitions.Name)),
                    Number(g.Count(v => v.Kind == LeaseKind.HostShards.Name)),
                }));
                output.Line();
                output.Table(["KIND", "SLOT", "OWNER", "LIVE", "FENCE", "EXPIRES IN"], views.Select(v => new[]
                {
                    v.Kind, Number(v.Slot), v.Owner ?? "-", v.Live ? "yes" : "no", Number(v.Fence), v.ExpiresInMs is { } ms && ms > 0 ? Age(ms) : "-",
                }));
                foreach (var slot in unowned)
                {
                    output.Line($"UNOWNED: {slot.Kind} slot {slot.Slot}" + (slot.Owner is null ? "" : $" (last owner {slot.Owner} is not live)"));
                }
            }
            return unowned.Count == 0 ? ExitCodes.Ok : ExitCodes.Unhealthy;
        }));
        return command;
    }

    /// <summary>One lease as printed; <paramref name="ExpiresInMs"/> is negative once it has expired.</summary>
    public sealed record LeaseView(string Kind, int Slot, string? Owner, bool Live, long Fence, DateTime? AcquiredAt, long? ExpiresInMs);
}
