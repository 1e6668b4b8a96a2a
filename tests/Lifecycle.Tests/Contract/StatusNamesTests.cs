using System.Reflection;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Contract;

/// <summary>The status-name constants SQL is built from are exactly the closed sets' wire names.</summary>
public sealed class StatusNamesTests
{
    [Test]
    public void Every_sandbox_status_has_its_wire_name_as_a_constant_and_no_other() =>
        Assert.That(Constants(typeof(SandboxStatusNames)),
            Is.EquivalentTo(Enum.GetValues<SandboxStatus>().Select(status => (status.ToString(), status.ToWire()))));

    [Test]
    public void Every_host_status_has_its_wire_name_as_a_constant_and_no_other() =>
        Assert.That(Constants(typeof(HostStatusNames)),
            Is.EquivalentTo(Enum.GetValues<HostStatus>().Select(status => (status.ToString(), status.ToWire()))));

    private static IEnumerable<(string Name, string Value)> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (field.Name, (string)field.GetRawConstantValue()!));
}
