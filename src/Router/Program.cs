using Canary.Router.Hosting;

return await RouterCommand.RunAsync(args);
