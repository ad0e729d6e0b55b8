{- Storage GmbH, a partner selling object storage and backups through the
   platform's service broker, under its own seller id and in CHF. -}
let C = ../../../../catalog/package.dhall

let seller = C.Seller::{ sellerId = "storage-gmbh", sellerProductGroup = "Storage" }

let osb = C.Scope.platformType "OSB"

in  C.Part::{
    , name = "storage-gmbh"
    , sellerId = "storage-gmbh"
    , products =
      [ C.Product::{
        , id = "partner-s3-bucket"
        , displayName = "S3 object storage bucket"
        , description = "Monthly fee per bucket, prorated by days; cheaper from the 10th bucket on"
        , resourceType = "osb.service-instance"
        , scope = osb
        , filter = [ C.Condition.equals "serviceId" (C.Value.text "s3") ]
        , usage = C.Usage.recurringProrated "mo"
        , usageType = "bucket months"
        , price =
            C.Price.volume "CHF" [ C.Tier.upTo 10.0 20.0, C.Tier.rest 15.0 ]
        , seller
        }
      , C.Product::{
        , id = "partner-backup-setup"
        , displayName = "Backup vault setup"
        , resourceType = "osb.service-instance"
        , scope = osb
        , filter = [ C.Condition.regex "planName" ".*backup.*" ]
        , usage = C.Usage.oneTime
        , usageType = "setups"
        , price = C.Price.perUnit "CHF" 100.0
        , seller
        }
      ]
    , discounts =
      [ C.Discount::{
        , id = "partner-volume-discount"
        , displayName = "Storage GmbH volume discount"
        , rule =
            C.DiscountRule.tieredPercentage
              "CHF"
              [ { threshold = 500.0, value = -2.0 }
              , { threshold = 2000.0, value = -5.0 }
              ]
        , scope = C.Discount.within osb
        , discountScope = C.Discount.Scope::{ sellerId = "storage-gmbh" }
        , seller = Some seller
        }
      ]
    }
