using System.Data;
using Dapper;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A closed set (a sandbox's or a host's status) in a text column: its exact wire name both ways, anything
/// else refused by <paramref name="parse"/>.
/// </summary>
internal sealed class WireNameHandler<T>(Func<string, T> parse, Func<T, string> toWire) : SqlMapper.TypeHandler<T>
{
    public override T Parse(object value) => parse((string)value);

    public override void SetValue(IDbDataParameter parameter, T? value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = toWire(value!);
    }
}
