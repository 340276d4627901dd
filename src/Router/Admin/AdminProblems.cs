namespace Canary.Router.Admin;

/// <summary>RFC 7807 problem details for the admin API, so every refusal says what was wrong in the same shape.</summary>
internal static class AdminProblems
{
    public static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>400 naming each bad field, as ASP.NET's validation problems do.</summary>
    public static IResult Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid", detail: string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));

    public static IResult Invalid(string field, string error) => Invalid(new Dictionary<string, string[]> { [field] = [error] });

    public static IResult UnknownRelease(string name) =>
        Problem(StatusCodes.Status404NotFound, "Unknown release", $"There is no release named '{name}'.");
}
