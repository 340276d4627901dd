using System.CommandLine;
using System.Text.Json.Nodes;

namespace Canary.Cli;

/// <summary>The output format of every command.</summary>
internal enum OutputFormat
{
    Text,
    Json,
}

/// <summary>The options every command takes: where the admin API is, the key, and the output format.</summary>
internal sealed class CommonOptions
{
    public const string UrlVariable = "CANARY_ADMIN_URL";
    public const string KeyVariable = "CANARY_ADMIN_KEY";
    public const string DefaultUrl = "http://127.0.0.1:8081";

    public Option<string?> AdminUrl { get; } = new("--admin-url")
    {
        Description = $"The router's admin address [env: {UrlVariable}; default: {DefaultUrl}]",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = $"The admin key [env: {KeyVariable}; prefer the variable: options show in process lists]",
        HelpName = "KEY",
        Recursive = true,
    };

    public Option<OutputFormat> Output { get; } = new("--output", "-o")
    {
        Description = "text (tables, for people) or json (stable field names, for scripts)",
        HelpName = "text|json",
        DefaultValueFactory = _ => OutputFormat.Text,
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(AdminUrl);
        root.Options.Add(Key);
        root.Options.Add(Output);
    }
}

/// <summary>One invocation: the runtime, the chosen output format, and (made on first use) the admin client.</summary>
internal sealed class CliContext(CliRuntime runtime, ParseResult parse, CommonOptions options) : IDisposable
{
    private AdminClient? _admin;

    public CliRuntime Runtime { get; } = runtime;

    public OutputFormat Format { get; } = parse.GetValue(options.Output);

    public bool IsJson => Format == OutputFormat.Json;

    public AdminClient Admin => _admin ??= CreateAdmin();

    /// <summary>One JSON document, indented, on stdout.</summary>
    public void WriteJson(JsonNode node) => Runtime.Out.WriteLine(node.ToJsonString(Json.Indented));

    /// <summary>One JSON object on one line, for streams (<c>--watch</c>, <c>--follow</c>).</summary>
    public void WriteJsonLine(JsonNode node)
    {
        Runtime.Out.WriteLine(node.ToJsonString(Json.Compact));
        Runtime.Out.Flush();
    }

    public void Dispose() => _admin?.Dispose();

    private AdminClient CreateAdmin()
    {
        var url = parse.GetValue(options.AdminUrl) ?? NonEmpty(Runtime.Environment(CommonOptions.UrlVariable)) ?? CommonOptions.DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException(ExitCodes.Usage, $"the admin URL '{url}' is not an absolute http:// or https:// address");
        }

        var key = parse.GetValue(options.Key) ?? NonEmpty(Runtime.Environment(CommonOptions.KeyVariable));
        return new AdminClient(uri, key);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
