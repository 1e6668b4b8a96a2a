using System.Security.Authentication;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Lifecycle.Core.Hosts;

/// <summary>
/// A host whose TLS certificate is refused (an impostor on its address, a revoked or expired certificate)
/// is a host that cannot be reached: <c>UNAVAILABLE</c>, which decides nothing about its sandboxes. gRPC
/// reports a failed handshake as <c>INTERNAL</c>, which an operation would take as the host's verdict.
/// </summary>
internal sealed class RefusedHostInterceptor : Interceptor
{
    public static RefusedHostInterceptor Instance { get; } = new();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(Translate(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private static async Task<TResponse> Translate<TResponse>(Task<TResponse> response)
    {
        try
        {
            return await response;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Internal && IsRefusedHandshake(ex.Status.DebugException))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "host refused at the TLS handshake: " + ex.Status.Detail, ex.Status.DebugException));
        }
    }

    private static bool IsRefusedHandshake(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AuthenticationException)
            {
                return true;
            }
        }
        return false;
    }
}
