package bytesize

import "testing"

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		b    float64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {1280, "1280 bytes"}, {1<<20 - 1, "1048575 bytes"},
		{1 << 20, "1.0 MiB"}, {1.5 * (1 << 30), "1.5 GiB"}, {3 << 40, "3.0 TiB"},
		{1023, "1023 bytes"}, {3 << 29, "1.5 GiB"}, {1 << 41, "2.0 TiB"},
	} {
		if got := Format(tc.b); got != tc.want {
			t.Errorf("Format(%v) = %q, want %q", tc.b, got, tc.want)
		}
	}
}
