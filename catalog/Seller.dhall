{- Who sells a product (meshStack's sellerId and sellerProductGroup). -}
{ Type = { sellerId : Text, sellerProductGroup : Text }, default = {=} }
