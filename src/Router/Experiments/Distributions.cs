namespace Canary.Router.Experiments;

/// <summary>
/// The few distributions the experiment statistics need, to about 1e-13: the normal through the regularized
/// incomplete gamma function (erfc(x) = Q(1/2, x^2)), Student's t through the regularized incomplete beta function
/// (both as in Numerical Recipes, series plus Lentz's continued fraction), quantiles by bisection.
/// </summary>
internal static class Distributions
{
    private const double Epsilon = 1e-15;
    private const int MaxIterations = 10_000;

    /// <summary>P(Z &lt;= z) for a standard normal Z.</summary>
    public static double NormalCdf(double z) => z >= 0 ? 1 - (0.5 * Erfc(z / Math.Sqrt(2))) : 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>P(|Z| &gt;= |z|): the two-sided p-value of a z statistic.</summary>
    public static double NormalTwoSided(double z) => Erfc(Math.Abs(z) / Math.Sqrt(2));

    public static double NormalQuantile(double p) => Bisect(NormalCdf, p, -40, 40);

    /// <summary>P(X &gt;= x) for X chi-square with one degree of freedom.</summary>
    public static double ChiSquareOneUpper(double x) => x <= 0 ? 1 : Erfc(Math.Sqrt(x / 2));

    /// <summary>P(T &lt;= t) for Student's t with <paramref name="df"/> degrees of freedom (not necessarily whole).</summary>
    public static double StudentTCdf(double t, double df)
    {
        var tail = 0.5 * RegularizedBeta(df / (df + (t * t)), df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>P(|T| &gt;= |t|): the two-sided p-value of a t statistic.</summary>
    public static double StudentTTwoSided(double t, double df) => RegularizedBeta(df / (df + (t * t)), df / 2, 0.5);

    public static double StudentTQuantile(double p, double df) => Bisect(t => StudentTCdf(t, df), p, -1e6, 1e6);

    public static double Erfc(double x)
    {
        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        return x == 0 ? 1 : UpperGamma(0.5, x * x);
    }

    /// <summary>Q(a, x) = Γ(a, x) / Γ(a).</summary>
    private static double UpperGamma(double a, double x) => x < a + 1 ? 1 - LowerGammaSeries(a, x) : UpperGammaFraction(a, x);

    private static double LowerGammaSeries(double a, double x)
    {
        double sum = 1 / a, term = sum, ap = a;
        for (var n = 0; n < MaxIterations && Math.Abs(term) > Math.Abs(sum) * Epsilon; n++)
        {
            ap++;
            term *= x / ap;
            sum += term;
        }

        return sum * Math.Exp(-x + (a * Math.Log(x)) - LogGamma(a));
    }

    private static double UpperGammaFraction(double a, double x)
    {
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
        for (var i = 1; i < MaxIterations; i++)
        {
            var an = -i * (i - a);
            b += 2;
            d = (an * d) + b;
            d = Math.Abs(d) < tiny ? tiny : d;
            c = b + (an / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return Math.Exp(-x + (a * Math.Log(x)) - LogGamma(a)) * h;
    }

    /// <summary>I_x(a, b).</summary>
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + (a * Math.Log(x)) + (b * Math.Log(1 - x)));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaFraction(x, a, b) / a
            : 1 - (front * BetaFraction(1 - x, b, a) / b);
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - ((a + b) * x / (a + 1));
        d = Math.Abs(d) < tiny ? tiny : d;
        d = 1 / d;
        var h = d;
        for (var m = 1; m < MaxIterations; m++)
        {
            var even = m * (b - m) * x / ((a + (2 * m) - 1) * (a + (2 * m)));
            d = 1 + (even * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = 1 + (even / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            h *= d * c;
            var odd = -(a + m) * (a + b + m) * x / ((a + (2 * m)) * (a + (2 * m) + 1));
            d = 1 + (odd * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            c = 1 + (odd / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                break;
            }
        }

        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine terms).</summary>
    private static double LogGamma(double x)
    {
        ReadOnlySpan<double> coefficients =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5)
        {
            return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = coefficients[0];
        for (var i = 1; i < coefficients.Length; i++)
        {
            sum += coefficients[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    private static double Bisect(Func<double, double> cdf, double p, double low, double high)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(p, 1);
        for (var i = 0; i < 200 && high - low > 1e-13 * Math.Max(1, Math.Abs(low)); i++)
        {
            var middle = 0.5 * (low + high);
            if (cdf(middle) < p)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return 0.5 * (low + high);
    }
}
