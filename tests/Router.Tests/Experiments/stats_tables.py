# Independent reference values for tests/Router.Tests/Experiments (mpmath, 30 digits). Run: python3 stats_tables.py
from mpmath import mp, mpf, sqrt, exp, log, erfc, ncdf, betainc, quad, gamma, findroot
mp.dps = 30
m = 16384
def r(n):
    n = mpf(n)
    if n <= 0: return mpf(0)
    t = n/m
    return min(sqrt(m*(exp(t)-t-1))/n, mpf('1.04')/sqrt(m))
def tcdf(t, df):
    df = mpf(df)
    pdf = lambda x: gamma((df+1)/2)/(sqrt(df*mp.pi)*gamma(df/2))*(1+x*x/df)**(-(df+1)/2)
    return mpf('0.5') + quad(pdf, [0, t])
print("normal cdf"); [print(z, ncdf(z)) for z in [-3.5, -1.2, 0, 0.7, 1.959963984540054, 4.2]]
print("chi2(1) upper"); [print(x, erfc(sqrt(mpf(x)/2))) for x in [0.5, 3.841458820694124, 10.83, 25]]
print("t two-sided"); [print(t, df, 2*(1-tcdf(abs(t), df))) for t, df in [(2.1, 3.7), (1.5, 10), (-2.4, 57.3), (0.3, 1.0)]]
print("t quantile 0.975"); [print(df, findroot(lambda x: tcdf(x, df)-mpf('0.975'), 2)) for df in [3.7, 10, 57.3]]
print("rel err"); [print(n, r(n)) for n in [0, 1000, 40000, 1000000]]
# conversions
def conv(x, n):
    p = mpf(x)/n
    return p, p*(1-p)/n, p*p*(r(x)**2 + r(n)**2), mpf(n)
def lift(s, c):
    ms, vs, ws, _ = s; mc, vc, wc, _ = c
    return mc/ms-1, vc/ms**2 + mc**2*vs/ms**4, wc/ms**2 + mc**2*ws/ms**4
def hw(s2, n, alpha=mpf('0.05'), N=5000):
    rho = sqrt((-2*log(alpha) + log(-2*log(alpha)+1))/N)
    return sqrt(s2)*sqrt(2*(n*rho**2+1)*log(sqrt(n*rho**2+1)/alpha)/(n*rho)**2)
for (xs, ns, xc, nc) in [(100, 1000, 130, 1000), (4000, 40000, 4400, 41000), (50000, 1000000, 50500, 1000000)]:
    s = conv(xs, ns); c = conv(xc, nc)
    L, vsamp, vmeas = lift(s, c)
    pooled = mpf(xs+xc)/(ns+nc)
    z = (c[0]-s[0])/sqrt(pooled*(1-pooled)*(mpf(1)/ns+mpf(1)/nc) + s[2] + c[2])
    n = ns+nc
    print("conv", xs, ns, xc, nc, "lift", L, "var", vsamp+vmeas, "ci", L-mpf('1.959963984540054')*sqrt(vsamp+vmeas), L+mpf('1.959963984540054')*sqrt(vsamp+vmeas),
          "z", z, "p", erfc(abs(z)/sqrt(2)), "halfwidth", hw((vsamp+vmeas)*n, n))
    # more observations: smallest k with width(k) <= |lift|
    def width(k): return hw((vsamp/k + vmeas)*k*n, k*n)
    if width(1) > abs(L):
        lo, hi = mpf(1), mpf(2)
        while width(hi) > abs(L) and hi < 1e9: lo, hi = hi, hi*2
        if hi < 1e9:
            for _ in range(200):
                mid = (lo+hi)/2
                if width(mid) > abs(L): lo = mid
                else: hi = mid
            print("  more observations", mp.ceil((hi-1)*n))
        else: print("  never")
# numeric: values
def vals(k, s, ss):
    mean = mpf(s)/k; var = (mpf(ss) - mpf(s)*mean)/(k-1)
    return mean, var/k, mpf(0), mpf(k)
for (ks, ss, qs, kc, sc, qc) in [(40, 160, 700, 50, 215, 1010), (400, 12000, 400000, 380, 12100, 420000)]:
    s = vals(ks, ss, qs); c = vals(kc, sc, qc)
    L, vsamp, _ = lift(s, c)
    vs, vc = s[1], c[1]
    t = (c[0]-s[0])/sqrt(vs+vc)
    df = (vs+vc)**2/(vs**2/(ks-1) + vc**2/(kc-1))
    q = findroot(lambda x: tcdf(x, df)-mpf('0.975'), 2)
    print("values", ks, ss, qs, kc, sc, qc, "means", s[0], c[0], "lift", L, "t", t, "df", df, "p", 2*(1-tcdf(abs(t), df)), "ci", L-q*sqrt(vsamp), L+q*sqrt(vsamp), "halfwidth", hw(vsamp*(ks+kc), ks+kc))
# SRM
for (s_, c_, w) in [(5000, 5000, 0.5), (5000, 5300, 0.5), (5000, 5800, 0.5), (9000, 1100, 0.1), (900000, 104000, 0.1), (450000, 550000, 0.5)]:
    n = mpf(s_+c_); f = c_/n; w = mpf(w)
    var = w*(1-w)/n + (w*(1-w))**2*(r(c_)**2 + r(s_)**2)
    chi = (f-w)**2/var
    pearson = (c_-n*w)**2/(n*w) + (s_-n*(1-w))**2/(n*(1-w))
    print("srm", s_, c_, w, "chi", chi, "p", erfc(sqrt(chi/2)), "pearson(exact counts)", pearson, "p", erfc(sqrt(pearson/2)))
