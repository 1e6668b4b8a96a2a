using System.Data;
using Dapper;
using Lifecycle.Core.Hosts;

namespace Lifecycle.Core.Store;

/// <summary>A <see cref="HostStatus"/> in a text column: its exact wire name both ways, anything else refused.</summary>
internal sealed class HostStatusHandler : SqlMapper.TypeHandler<HostStatus>
{
    public override HostStatus Parse(object value) => HostStatuses.Parse((string)value);

    public override void SetValue(IDbDataParameter parameter, HostStatus value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = value.ToWire();
    }
}
