using System.Globalization;

namespace Timonel.Commands;

/// <summary>Go-style durations as Kubernetes flags take them: 300ms, 40s, 5m, 1h, 1m30s.</summary>
internal static class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var i = 0;
        if (text.Length == 0) return false;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
            if (start == i || !double.TryParse(text[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return false;
            var unitStart = i;
            while (i < text.Length && char.IsLetter(text[i])) i++;
            switch (text[unitStart..i])
            {
                case "ms": duration += TimeSpan.FromMilliseconds(value); break;
                case "s": duration += TimeSpan.FromSeconds(value); break;
                case "m": duration += TimeSpan.FromMinutes(value); break;
                case "h": duration += TimeSpan.FromHours(value); break;
                default: return false;
            }
        }
        return true;
    }
}
