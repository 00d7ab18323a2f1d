#!/usr/bin/perl
# tests/bench/geo_mmdb.pl DIR: the data of the bench's geo-ecs case, the same bytes on every run.
#   DIR/bench.mmdb   GeoIP2-City-like MaxMind DB (IPv6 tree, IPv4 aliased): continent.code,
#                    country.iso_code, location.latitude/longitude (region coordinates +- 0.5 deg),
#                    city.names.en; 300 IPv4 /16s (11-60.0-5.0.0/16) over 6 regions, one country
#                    each, plus 127.0.0.0/8 in us-east (the source address of queries without ECS)
#   DIR/regions.tsv  index name country continent lat lon edge-address, one region a line
#   DIR/nets.tsv     network region-index, one /16 a line
# A /16's region never equals that of the /16 before it, so no two neighbouring networks share a
# region and a server has nothing to merge: the expected ECS scope is /16 everywhere.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $dir = shift @ARGV or die "usage: $0 DIR\n";
srand(42);

my @regions = (  # name, country, continent, latitude, longitude; edge 192.0.2.(index + 1)
    ['us-east',    'US', 'NA', 38.95, -77.45],
    ['us-west',    'CA', 'NA', 47.61, -122.33],
    ['eu-west',    'GB', 'EU', 51.51, -0.13],
    ['eu-central', 'DE', 'EU', 50.11, 8.68],
    ['ap-ne',      'JP', 'AS', 35.68, 139.69],
    ['sa-east',    'BR', 'SA', -23.55, -46.63],
);
my %types = (continent => 'map', code => 'utf8_string', country => 'map', iso_code => 'utf8_string',
             location => 'map', latitude => 'double', longitude => 'double', city => 'map',
             names => 'map', en => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 28, database_type => 'GeoIP2-City', languages => ['en'],
    description => { en => 'cdn-appliance bench regions' }, alias_ipv6_to_ipv4 => 1,
    remove_reserved_networks => 0, map_key_type_callback => sub { $types{ $_[0] } });

sub record {
    my ($r, $jitter) = @_;
    my ($name, $country, $continent, $lat, $lon) = @{ $regions[$r] };
    return { continent => { code => $continent }, country => { iso_code => $country },
             city => { names => { en => "$name-" . int(rand(1000)) } },
             location => { latitude => $lat + $jitter * (rand() - 0.5),
                           longitude => $lon + $jitter * (rand() - 0.5) } };
}

open my $nets, '>', "$dir/nets.tsv" or die "$dir/nets.tsv: $!\n";
my $prev = -1;
for my $hi (11 .. 60) {
    for my $lo (0 .. 5) {
        my $r;
        do { $r = int(rand(@regions)) } while ($r == $prev);
        $prev = $r;
        $tree->insert_network("::$hi.$lo.0.0/112", record($r, 1.0));
        print $nets "$hi.$lo.0.0/16\t$r\n";
    }
}
close $nets;
$tree->insert_network('::127.0.0.0/104', record(0, 0));

open my $tsv, '>', "$dir/regions.tsv" or die "$dir/regions.tsv: $!\n";
for my $i (0 .. $#regions) {
    print $tsv join("\t", $i, @{ $regions[$i] }, '192.0.2.' . ($i + 1)), "\n";
}
close $tsv;

open my $fh, '>:raw', "$dir/bench.mmdb" or die "$dir/bench.mmdb: $!\n";
$tree->write_tree($fh);
close $fh;
