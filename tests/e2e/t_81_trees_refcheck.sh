# t_81_trees_refcheck.sh - the numpy reference of Spark's decision tree (tests/ref/spark_trees.py)
# checked on its own, without paratune: Spark's findSplits cases, trees against scikit-learn
# with Spark's differences applied, categorical splits against brute force
# (tests/ref/check_spark_trees.py; sourced by run.sh).

begin "spark_trees.py reference: findSplits cases, decision trees equal scikit-learn's under Spark's rules, categorical splits"
if msg=$($PY "$REF/check_spark_trees.py" 2>&1); then ok; else bad "$msg"; fi
