global using RaftTimers.Cluster.Tests.Infrastructure;
global using Xunit;
