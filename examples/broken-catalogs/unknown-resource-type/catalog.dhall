let common = ../common.dhall

let C = common.C

in  C.Catalog::{
    , name = "broken"
    , products = [ common.vmHours // { resourceType = "openstack.nova.sever" } ]
    }
