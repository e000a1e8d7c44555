# t_86_gbt_refcheck.sh - the numpy reference of Spark's gradient-boosted trees
# (tests/ref/spark_gbt.py) checked on its own, without paratune: maxIter 1 is the decision-tree
# reference, hand-computed rounds of each loss, squared loss equal to scikit-learn's boosting
# with Spark's differences mapped, memorizing, quality against scikit-learn
# (tests/ref/check_spark_gbt.py; sourced by run.sh).

begin "spark_gbt.py reference: maxIter 1 is the tree, hand-computed rounds, squared loss equals scikit-learn's boosting mapped to Spark's rules, quality"
if msg=$($PY "$REF/check_spark_gbt.py" 2>&1); then ok; else bad "$msg"; fi
