using System.Text.Json;

namespace RaftTimers.Client;

/// <summary>A cluster document (GET /cluster, or the answer to a membership change) and the node that gave it.</summary>
public sealed record ClusterDocument(Uri Node, JsonElement Json);
