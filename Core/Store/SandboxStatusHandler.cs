using System.Data;
using Dapper;
using Lifecycle.Core.Sandboxes;

namespace Lifecycle.Core.Store;

/// <summary>A <see cref="SandboxStatus"/> in a text column: its exact wire name both ways, anything else refused.</summary>
internal sealed class SandboxStatusHandler : SqlMapper.TypeHandler<SandboxStatus>
{
    public override SandboxStatus Parse(object value) => SandboxStatuses.Parse((string)value);

    public override void SetValue(IDbDataParameter parameter, SandboxStatus value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = value.ToWire();
    }
}
