using Timonel.Api.Json;
using Timonel.Commands;

ModelJson.Install();
return await CommandLine.RunAsync(args);
