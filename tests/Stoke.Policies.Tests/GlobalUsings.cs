global using Xunit;
global using Stoke.Abstractions.Policies;
