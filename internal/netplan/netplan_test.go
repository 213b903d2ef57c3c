package netplan

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func prefixes(s ...string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(s))
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

func TestNew(t *testing.T) {
	cases := map[string]struct {
		vpc   string
		zones int
		want  Plan
	}{
		"Slash16ThreeZones": {
			vpc: "10.0.0.0/16", zones: 3,
			want: Plan{
				VPC:     netip.MustParsePrefix("10.0.0.0/16"),
				Private: prefixes("10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"),
				Public:  prefixes("10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22"),
			},
		},
		"Slash22SixZones": {
			vpc: "192.168.4.0/22", zones: 6,
			want: Plan{
				VPC:     netip.MustParsePrefix("192.168.4.0/22"),
				Private: prefixes("192.168.4.0/25", "192.168.4.128/25", "192.168.5.0/25", "192.168.5.128/25", "192.168.6.0/25", "192.168.6.128/25"),
				Public:  prefixes("192.168.7.128/28", "192.168.7.144/28", "192.168.7.160/28", "192.168.7.176/28", "192.168.7.192/28", "192.168.7.208/28"),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			vpc, err := ParseVPC(tc.vpc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := New(vpc, tc.zones)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("New(%s, %d): -want +got:\n%s", tc.vpc, tc.zones, diff)
			}
			// No two subnets overlap and all lie inside the VPC.
			all := append(append([]netip.Prefix{}, got.Private...), got.Public...)
			for i, a := range all {
				if !vpc.Contains(a.Addr()) || a.Bits() < vpc.Bits() {
					t.Errorf("%s is outside %s", a, vpc)
				}
				for _, b := range all[i+1:] {
					if a.Overlaps(b) {
						t.Errorf("%s overlaps %s", a, b)
					}
				}
			}
		})
	}
}

func TestAddingZonesKeepsExistingSubnets(t *testing.T) {
	vpc := netip.MustParsePrefix("10.1.0.0/16")
	two, _ := New(vpc, 2)
	six, _ := New(vpc, 6)
	if diff := cmp.Diff(two.Private, six.Private[:2], cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("private subnets moved: %s", diff)
	}
	if diff := cmp.Diff(two.Public, six.Public[:2], cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("public subnets moved: %s", diff)
	}
}

func TestParseVPCErrors(t *testing.T) {
	cases := map[string]string{
		"NotACIDR":  "10.0.0.0",
		"IPv6":      "fd00::/48",
		"HostBits":  "10.0.0.1/16",
		"TooWide":   "10.0.0.0/8",
		"TooNarrow": "10.0.0.0/24",
		"Public":    "8.8.0.0/16",
	}
	for name, cidr := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseVPC(cidr); err == nil {
				t.Errorf("ParseVPC(%q): want error, got nil", cidr)
			}
		})
	}
}

func TestNewRejectsZoneCounts(t *testing.T) {
	vpc := netip.MustParsePrefix("10.0.0.0/16")
	for _, n := range []int{0, 7} {
		if _, err := New(vpc, n); err == nil {
			t.Errorf("New(%d zones): want error", n)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	cases := map[string]struct {
		cidr    string
		private bool
		want    string
	}{
		"OK":         {cidr: "10.1.0.0/16", private: true},
		"NotACIDR":   {cidr: "10.1.0.0", want: `"10.1.0.0" is not a CIDR such as 10.1.0.0/16`},
		"IPv6":       {cidr: "fd00::/48", want: `"fd00::/48" is not an IPv4 CIDR`},
		"HostBits":   {cidr: "10.1.0.1/16", want: `"10.1.0.1/16" has host bits set; use 10.1.0.0/16`},
		"TooLarge":   {cidr: "10.0.0.0/8", want: `"10.0.0.0/8" is a /8; use a prefix between /12 and /24`},
		"TooSmall":   {cidr: "10.0.0.0/28", want: `"10.0.0.0/28" is a /28; use a prefix between /12 and /24`},
		"Public":     {cidr: "8.8.0.0/16", private: true, want: `"8.8.0.0/16" is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)`},
		"PublicOkay": {cidr: "8.8.0.0/16"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePrefix(tc.cidr, "10.1.0.0/16", 12, 24, tc.private)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("ParsePrefix(%q): got %q, want %q", tc.cidr, got, tc.want)
			}
		})
	}
	if got := Nth(netip.MustParsePrefix("172.21.0.0/16"), 10).String(); got != "172.21.0.10" {
		t.Errorf("Nth: %s", got)
	}
	if got := Addresses(netip.MustParsePrefix("10.1.0.0/18")); got != 16384 {
		t.Errorf("Addresses: %d", got)
	}
}
