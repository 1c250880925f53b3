using Timonel.Commands;

return await CommandLine.RunAsync(args);
