#!/usr/bin/perl
# tests/support/mmdb_writer.pl: writes a small GeoIP2-City-like MaxMind DB for the steering
# tests (tests/unit/dns/steer/geoip_test.cc).
#
#   perl tests/support/mmdb_writer.pl [--ipv4] OUT.mmdb
#
# An IPv6 tree with the IPv4 aliases (::ffff:0:0/96, 2001::/32, 2002::/16), IPv4 networks under
# ::/96 and a few IPv6 networks; with --ipv4, an IPv4 tree of the IPv4 networks only. Each network has its own record (distinct coordinates), so the
# writer cannot join neighbours: a walk of the file yields exactly the networks listed here.
# Keep this list and kNetworks in geoip_test.cc in step.
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $ipv4_only = @ARGV && $ARGV[0] eq '--ipv4';
shift @ARGV if $ipv4_only;
my $out = shift @ARGV or die "usage: $0 [--ipv4] OUT.mmdb\n";

my %types = (
    continent => 'map',
    code      => 'utf8_string',
    country   => 'map',
    iso_code  => 'utf8_string',
    location  => 'map',
    latitude  => 'double',
    longitude => 'double',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => $ipv4_only ? 4 : 6,
    record_size              => 28,
    database_type            => 'GeoIP2-City',
    languages                => ['en'],
    description              => { en => 'cdn-appliance steering test data' },
    alias_ipv6_to_ipv4       => $ipv4_only ? 0 : 1,
    remove_reserved_networks => 0,
    map_key_type_callback    => sub { $types{ $_[0] } },
);

sub city {
    my ($continent, $country, $lat, $lon) = @_;
    return {
        continent => { code     => $continent },
        country   => { iso_code => $country },
        location  => { latitude => $lat, longitude => $lon },
    };
}

# network                     continent country latitude longitude
my @networks = (
    [ '81.2.69.0/24',        'EU', 'GB', 51.5074, -0.1278 ],     # London
    [ '81.2.70.0/23',        'EU', 'GB', 53.4808, -2.2426 ],     # Manchester
    [ '2.16.0.0/13',         'EU', 'DE', 50.1109, 8.6821 ],      # Frankfurt
    [ '12.0.0.0/16',         'NA', 'US', 40.7128, -74.0060 ],    # New York
    [ '12.1.0.0/16',         'NA', 'US', 40.7306, -73.9352 ],    # New York (Brooklyn)
    [ '175.16.199.0/24',     'AS', 'CN', 43.8800, 125.3228 ],    # Changchun
    [ '2001:db8:1::/48',     'EU', 'FR', 48.8566, 2.3522 ],      # Paris
    [ '2a02:cf40::/29',      'NA', 'US', 37.7749, -122.4194 ],   # San Francisco
);
for my $n (@networks) {
    my ($network, @fields) = @$n;
    next if $ipv4_only && $network =~ /:/;
    $tree->insert_network($network, city(@fields));
}
# A network with a country but no coordinates: steering treats it as an unknown location.
$tree->insert_network('198.51.100.0/24',
    { continent => { code => 'EU' }, country => { iso_code => 'NL' } });

open my $fh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($fh);
close $fh or die "$out: $!\n";
