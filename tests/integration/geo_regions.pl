#!/usr/bin/perl
# tests/integration/geo_regions.pl [--swap] OUT.mmdb: a GeoIP2-City-like MaxMind DB with three
# regions, for the steering integration test (test_steering.py keeps the same table). --swap
# places 10.1.0.0/16 in Tokyo and 10.3.0.0/16 in Frankfurt (a changed DB for the reload test).
#   10.1.0.0/16  Frankfurt   10.2.0.0/16  New York   10.3.0.0/16  Tokyo   2001:db8:1::/48 Frankfurt
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $swap = @ARGV && $ARGV[0] eq '--swap';
shift @ARGV if $swap;
my $out = shift @ARGV or die "usage: $0 [--swap] OUT.mmdb\n";
my %types = (continent => 'map', code => 'utf8_string', country => 'map', iso_code => 'utf8_string',
             location => 'map', latitude => 'double', longitude => 'double');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 28, database_type => 'GeoIP2-City', languages => ['en'],
    description => { en => 'cdn-appliance steering regions' }, alias_ipv6_to_ipv4 => 1,
    remove_reserved_networks => 0, map_key_type_callback => sub { $types{ $_[0] } });
my @regions = (
    ['10.1.0.0/16', 'EU', 'DE', 50.11, 8.68],
    ['10.2.0.0/16', 'NA', 'US', 40.71, -74.01],
    ['10.3.0.0/16', 'AS', 'JP', 35.68, 139.69],
    ['2001:db8:1::/48', 'EU', 'DE', 50.11, 8.68],
);
if ($swap) {
    @regions[0, 2] = ([$regions[0][0], @{ $regions[2] }[1 .. 4]], [$regions[2][0], @{ $regions[0] }[1 .. 4]]);
}
for my $r (@regions) {
    my ($net, $continent, $country, $lat, $lon) = @$r;
    $net = "::$net" if $net =~ /^\d+\./;
    $net =~ s{/(\d+)$}{'/' . ($1 + 96)}e if $net =~ /^::\d/;
    $tree->insert_network($net, { continent => { code => $continent },
                                  country => { iso_code => $country },
                                  location => { latitude => $lat, longitude => $lon } });
}
open my $fh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($fh);
close $fh;
