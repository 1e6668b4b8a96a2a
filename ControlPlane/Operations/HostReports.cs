using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// A host's report of an auto-pause or an exit becomes the table's event, from the status and version the
/// sandbox has when the report arrives, recorded in the outbox for the consumer to apply. Only the reporting host's
/// sandboxes; a report already applied writes nothing twice; an older one than a report already received
/// is refused, so it cannot undo the newer one.
/// </summary>
public sealed class HostReports(
    SandboxStore sandboxes, TransitionHistoryStore history, HostReportStore reports, EventOutbox outbox)
{
    public async Task<HostReportOutcome> ReportAsync(HostReport report, CancellationToken ct)
    {
        var sandbox = await sandboxes.GetAnyTeamAsync(report.SandboxId, ct);
        if (sandbox is null)
        {
            return new HostReportOutcome.SandboxNotFound();
        }
        if (sandbox.HostId != report.HostId)
        {
            return new HostReportOutcome.NotOnHost();
        }
        if ((await history.RecordedAsync([report.EventId], ct)).Count > 0)
        {
            return new HostReportOutcome.AlreadyApplied();
        }
        if (await reports.RecordAsync(report.HostId, sandbox.Id, report.Sequence, report.EventId, ct) == HostReportStore.Outcome.Stale)
        {
            return new HostReportOutcome.Stale();
        }
        var to = TransitionTable.Get(report.EventType).To.Single();
        if (!TransitionTable.Allows(report.EventType, sandbox.Status, to))
        {
            return new HostReportOutcome.Conflict(sandbox.Status);
        }
        // Under the host's own event id: a retried report is recorded once.
        await outbox.RecordAsync(StateEvent.HostReport(report.EventId, report.EventType, sandbox, report.HostId, report.Reason, report.At), ct);
        return new HostReportOutcome.Published();
    }
}
