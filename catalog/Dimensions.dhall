{- Allocation dimensions: how cost is broken down below the tenant.
   `labels`: sample labels (Kubernetes labels, OpenStack metadata) that become
   line-item columns `label.<name>`, in this order; a line item splits when
   one of them changes. `cellFromLabel`: labels that give a sample its cell
   when `scope.cell` is absent, tried in order (the first present wins), e.g.
   `[ "kubernetes.io/namespace" ]`. Names follow the label-name rule: 1 to 317
   letters, digits and . _ - : / starting and ending with a letter or digit. -}
let Dimensions = { labels : List Text, cellFromLabel : List Text }

in  { Type = Dimensions
    , default = { labels = [] : List Text, cellFromLabel = [] : List Text }
    }
