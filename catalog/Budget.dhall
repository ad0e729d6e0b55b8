{- Money a tenant, or one of its cells, may spend per calendar month.

   `amount` is in `currency` (ISO 4217) and counts the tenant's (cell's) line
   items in that currency after discounts and fees, like its usage report;
   `sellerId` and `sellerProductGroup` narrow it to one seller's lines or one
   product group. `warning` and `critical` are percentages of `amount`, as for
   a quota. -}
{ Type =
    { id : Text
    , tenant : Text
    , cell : Optional Text
    , sellerId : Optional Text
    , sellerProductGroup : Optional Text
    , amount : Double
    , currency : Text
    , warning : Double
    , critical : Double
    }
, default =
  { cell = None Text
  , sellerId = None Text
  , sellerProductGroup = None Text
  , warning = 80.0
  , critical = 95.0
  }
}
