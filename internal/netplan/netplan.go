// Package netplan plans subnets inside a VPC CIDR deterministically, with
// net/netip.
//
// The VPC is cut into eight equal blocks. Private subnet i is block i (room
// for VPC CNI pod IPs: a /19 in a /16); public subnet i is the i-th eighth of
// the last block (a /22 in a /16: load balancers and NAT gateways need few
// addresses). Block 6 stays free for later tiers (databases, intra subnets).
// Adding zones later never moves an existing subnet.
package netplan

import (
	"fmt"
	"net/netip"
)

// MaxZones is the most zones a plan supports.
const MaxZones = 6

// Widest and narrowest VPC prefixes a plan supports. The narrowest keeps public
// subnets at AWS's minimum subnet size, /28.
const (
	MinVPCPrefix = 16
	MaxVPCPrefix = 22
)

// Plan is the subnet layout of a VPC.
type Plan struct {
	VPC     netip.Prefix
	Private []netip.Prefix
	Public  []netip.Prefix
}

// ParseVPC parses a VPC CIDR and checks that it is a canonical, private IPv4
// prefix of a size the plan supports.
func ParseVPC(cidr string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/16", cidr)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 CIDR", cidr)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; use %s", cidr, p.Masked())
	}
	if p.Bits() < MinVPCPrefix || p.Bits() > MaxVPCPrefix {
		return netip.Prefix{}, fmt.Errorf("%q is a /%d; use a prefix between /%d and /%d", cidr, p.Bits(), MinVPCPrefix, MaxVPCPrefix)
	}
	if !IsPrivate(p) {
		return netip.Prefix{}, fmt.Errorf("%q is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)", cidr)
	}
	return p, nil
}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

// IsPrivate reports whether p lies wholly inside an RFC 1918 or RFC 6598 range.
func IsPrivate(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// Overlaps reports whether two prefixes share any address.
func Overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// New plans zones private and public subnets in vpc.
func New(vpc netip.Prefix, zones int) (Plan, error) {
	if zones < 1 || zones > MaxZones {
		return Plan{}, fmt.Errorf("cannot plan %d zones; between 1 and %d are supported", zones, MaxZones)
	}
	blocks, err := Split(vpc, 3)
	if err != nil {
		return Plan{}, err
	}
	publics, err := Split(blocks[7], 3)
	if err != nil {
		return Plan{}, err
	}
	return Plan{VPC: vpc, Private: blocks[:zones], Public: publics[:zones]}, nil
}

// Split cuts p into 2^bits equal prefixes, in address order.
func Split(p netip.Prefix, bits int) ([]netip.Prefix, error) {
	nb := p.Bits() + bits
	if nb > 32 {
		return nil, fmt.Errorf("cannot split %s into %d parts", p, 1<<bits)
	}
	out := make([]netip.Prefix, 0, 1<<bits)
	a4 := p.Addr().As4()
	base := uint32(a4[0])<<24 | uint32(a4[1])<<16 | uint32(a4[2])<<8 | uint32(a4[3])
	step := uint32(1) << (32 - nb)
	for i := range uint32(1) << bits {
		v := base + i*step
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nb))
	}
	return out, nil
}

// ParsePrefix parses an IPv4 CIDR and checks that it is canonical, between
// /minBits and /maxBits and, when private is set, inside an RFC 1918 or RFC
// 6598 range. Its messages match ParseVPC's; example is a valid value shown
// in the first one.
func ParsePrefix(cidr, example string, minBits, maxBits int, private bool) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR such as %s", cidr, example)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 CIDR", cidr)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; use %s", cidr, p.Masked())
	}
	if p.Bits() < minBits || p.Bits() > maxBits {
		return netip.Prefix{}, fmt.Errorf("%q is a /%d; use a prefix between /%d and /%d", cidr, p.Bits(), minBits, maxBits)
	}
	if private && !IsPrivate(p) {
		return netip.Prefix{}, fmt.Errorf("%q is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)", cidr)
	}
	return p, nil
}

// Addresses is the number of addresses in p (at most 2^32).
func Addresses(p netip.Prefix) uint64 { return uint64(1) << (32 - p.Bits()) }

// Nth returns the n-th address of p (0 is p's own address).
func Nth(p netip.Prefix, n uint32) netip.Addr {
	a4 := p.Addr().As4()
	v := uint32(a4[0])<<24 | uint32(a4[1])<<16 | uint32(a4[2])<<8 | uint32(a4[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
