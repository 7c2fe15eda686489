global using RaftTimers.Support;
global using Xunit;
