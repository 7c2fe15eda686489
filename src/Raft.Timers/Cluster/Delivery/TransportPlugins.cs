using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Extensions.Logging;
using RaftTimers.Core.Lead;

namespace RaftTimers.Cluster.Delivery;

/// <summary>A transport to load (docs/transports.md): its name, the assembly that holds it, the type, and its own settings.</summary>
/// <param name="Setting">Where it was configured, for errors: <c>RaftTimers:Transports:sqs</c>.</param>
public sealed record TransportPlugin(string Name, string AssemblyPath, string TypeName, IReadOnlyDictionary<string, string> Settings, string Setting);

/// <summary>What a plug-in transport's constructor is given.</summary>
/// <param name="Name">The name timers use for it, from the configuration.</param>
/// <param name="Settings">Its own settings (<c>RaftTimers:Transports:{name}:Settings:*</c>).</param>
/// <param name="Delivery">The node's delivery settings; <see cref="DeliveryOptions.AttemptTimeoutMs"/> bounds one attempt.</param>
/// <param name="Guard">The callback policy's connect-time check, for <see cref="CallbackSockets.ConnectAsync"/>; null when unrestricted.</param>
public sealed record CallbackTransportContext(
    string Name, IReadOnlyDictionary<string, string> Settings, DeliveryOptions Delivery, ICallbackAddressGuard? Guard, ILoggerFactory Loggers, TimeProvider Clock);

/// <summary>
/// Loads plug-in transports named in configuration. Each assembly gets a load context of its own for its own
/// dependencies, while every assembly the node has (by name, whatever the version: this one, the core, logging) is
/// the node's, so the plug-in's <see cref="ICallbackTransport"/> is the node's. A plug-in type is public, implements
/// <see cref="ICallbackTransport"/> and has a public constructor taking a <see cref="CallbackTransportContext"/>.
/// Any problem throws <see cref="InvalidOperationException"/> naming the setting, so the node stops at start rather
/// than refuse or lose timers later.
/// </summary>
public static class TransportPlugins
{
    public static ICallbackTransport Load(TransportPlugin plugin, CallbackTransportContext context)
    {
        if (CallbackTransports.WhyNotName(plugin.Name) is { } badName)
            throw new InvalidOperationException($"{plugin.Setting}: {badName}");
        if (plugin.Name is HttpCallbackTransport.TransportName or TcpCallbackTransport.TransportName)
            throw new InvalidOperationException($"{plugin.Setting}: '{plugin.Name}' is a built-in transport");
        if (string.IsNullOrWhiteSpace(plugin.AssemblyPath) || string.IsNullOrWhiteSpace(plugin.TypeName))
            throw new InvalidOperationException($"{plugin.Setting}: both Assembly (the plug-in's .dll) and Type (its transport class) are required");
        var path = Path.GetFullPath(plugin.AssemblyPath);
        if (!File.Exists(path))
            throw new InvalidOperationException($"{plugin.Setting}:Assembly: no file {path}");

        Assembly assembly;
        try
        {
            assembly = new PluginLoadContext(path).LoadFromAssemblyPath(path);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException)
        {
            throw new InvalidOperationException($"{plugin.Setting}:Assembly: {path} is not a .NET assembly this node can load: {e.Message}", e);
        }

        var type = assembly.GetType(plugin.TypeName, throwOnError: false)
            ?? throw new InvalidOperationException($"{plugin.Setting}:Type: {path} has no type {plugin.TypeName}");
        if (!type.IsPublic || type.IsAbstract || !typeof(ICallbackTransport).IsAssignableFrom(type))
            throw new InvalidOperationException($"{plugin.Setting}:Type: {plugin.TypeName} must be a public, non-abstract class implementing {typeof(ICallbackTransport).FullName}");
        var constructor = type.GetConstructor([typeof(CallbackTransportContext)])
            ?? throw new InvalidOperationException($"{plugin.Setting}:Type: {plugin.TypeName} needs a public constructor taking a {nameof(CallbackTransportContext)}");

        ICallbackTransport transport;
        try
        {
            transport = (ICallbackTransport)constructor.Invoke([context]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"{plugin.Setting}: {plugin.TypeName} failed to start: {e.InnerException.Message}", e.InnerException);
        }

        if (transport.Name != plugin.Name)
        {
            (transport as IDisposable)?.Dispose();
            throw new InvalidOperationException($"{plugin.Setting}: {plugin.TypeName} calls itself '{transport.Name}', not '{plugin.Name}'; give it the name from its context");
        }

        return transport;
    }

    /// <summary>Resolves a plug-in's own dependencies from its folder (its .deps.json); anything the node has comes from the node.</summary>
    private sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext($"transport:{Path.GetFileName(pluginPath)}")
    {
        private readonly AssemblyDependencyResolver resolver = new(pluginPath);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (Default.Assemblies.Any(a => AssemblyName.ReferenceMatchesDefinition(assemblyName, a.GetName())) || IsNodeAssembly(assemblyName))
                return null;
            var path = resolver.ResolveAssemblyToPath(assemblyName);
            return path is null ? null : LoadFromAssemblyPath(path);
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            var path = resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
            return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
        }

        /// <summary>An assembly beside the node's own (not loaded yet, but the node's to give).</summary>
        private static bool IsNodeAssembly(AssemblyName name)
            => File.Exists(Path.Combine(AppContext.BaseDirectory, name.Name + ".dll"));
    }
}
