# t_75_missing.sh - missing values in a CSV file (empty, NA, NaN, null; --missing): refused
# with file:line and the column, one line, exit 2, nothing written (sourced by run.sh).
M=$W/t75
mkdir -p "$M"
printf 'a,b,label\n1,2,3\n4,5,6\n7,,9\n' >"$M/empty.csv"
printf 'a,b,label\n1,2,3\n"4", na ,6\n7,8,9\n' >"$M/na.csv"
printf 'a,b,label\n1,NULL,3\n4,5,6\n' >"$M/null.csv"
printf 'a,b,label\n1,2,3\n4,5,NaN\n' >"$M/nanlabel.csv"
printf 'a,b,label\n1,2,3\n4,5,""\n' >"$M/emptylabel.csv"
printf 'a,b,label\n1,2,3\n4,?,6\n7,8,9\n' >"$M/qmark.csv"
printf 'a,b,label\n1,2,x\n4,5,null\n7,8,y\n' >"$M/classes.csv"
L=(--pipeline linearRegression)
expect_bad "an empty feature field" "empty.csv:4: column b: missing value (leave the column out with --ignore b, or add the imputer stage to the pipeline)" --data "$M/empty.csv" "${L[@]}"
expect_bad "NA (any case, blanks around) in a feature" "na.csv:3: column b: missing value" --data "$M/na.csv" "${L[@]}"
expect_bad "NULL in a feature" "null.csv:2: column b: missing value" --data "$M/null.csv" "${L[@]}"
expect_bad "a missing feature under --features" "null.csv:2: column b: missing value (leave it out of --features, or add the imputer stage to the pipeline)" --data "$M/null.csv" --features a,b "${L[@]}"
expect_bad "NaN label" "nanlabel.csv:3: column label: missing label" --data "$M/nanlabel.csv" "${L[@]}"
expect_bad "empty quoted label" "emptylabel.csv:3: column label: missing label" --data "$M/emptylabel.csv" "${L[@]}"
expect_bad "a missing class name" "classes.csv:3: column label: missing label" --data "$M/classes.csv" --categorical label --pipeline logisticRegression
expect_bad "? is not missing by default" "qmark.csv:3: field 2 (\"b\"): not a number: \"?\"" --data "$M/qmark.csv" "${L[@]}"
expect_bad "--missing '?'" "qmark.csv:3: column b: missing value" --data "$M/qmark.csv" "${L[@]}" --missing '?,n/a'
expect_bad "--missing '' keeps an empty field missing" "empty.csv:4: column b: missing value" --data "$M/empty.csv" "${L[@]}" --missing ''
expect_bad "--missing '': NA is not a number" "na.csv:3: field 2 (\"b\"): not a number: \"na\"" --data "$M/na.csv" "${L[@]}" --missing ''
expect_bad "--missing a number" "--missing -999: \"-999\" is a number" --data "$M/na.csv" "${L[@]}" --missing -999
expect_bad "--missing an empty token" "--missing NA,,x: an empty token" --data "$M/na.csv" "${L[@]}" --missing NA,,x
expect_bad "--missing with --format libsvm" "--missing: applies to CSV, not --format libsvm" --data "$M/na.csv" --format libsvm "${L[@]}" --missing x
expect_bad "--missing a quote" "--missing a\"b: a token with a quote" --data "$M/na.csv" "${L[@]}" --missing 'a"b'

# ignoring the column with a missing value: the run is the one without the column
begin "--ignore b on a file with missing b: as the file without b"
printf 'a,b,label\n1,,3\n2,NA,5\n3,4,7.5\n4,1,9\n5,NaN,11.5\n6,2,13\n' >"$M/ign.csv"
printf 'a,label\n1,3\n2,5\n3,7.5\n4,9\n5,11.5\n6,13\n' >"$M/noB.csv"
if ! pt tune --data "$M/ign.csv" --ignore b "${L[@]}" --folds 2 --quiet --log "$M/i.log" \
        --model-out "$M/i.model" >"$M/i.out" 2>"$M/e"; then bad "$(cat "$M/e")";
elif ! pt tune --data "$M/noB.csv" "${L[@]}" --folds 2 --quiet --log "$M/n.log" >"$M/n.out" 2>"$M/e"; then
    bad "$(cat "$M/e")"
elif ! cmp -s "$M/i.out" "$M/n.out"; then bad "$(diff "$M/i.out" "$M/n.out" | head -5)"
else ok; fi

# predict: a missing value in a feature of the model is refused; in a column it does not read, fine
printf 'a,b,label\n1,x,0\n2,,0\n' >"$M/p_ok.csv"
printf 'a,b,label\n1,2,0\nnull,3,0\n' >"$M/p_bad.csv"
begin "predict: missing values in a column the model does not read"
if ! pt predict --model "$M/i.model" --data "$M/p_ok.csv" --out "$M/p.csv" 2>"$M/e"; then bad "$(cat "$M/e")"
else ok; fi
expect_predict_bad "a missing feature value" "p_bad.csv:3: column a: missing value" --model "$M/i.model" --data "$M/p_bad.csv"
expect_predict_bad "--missing a number" "--missing 0: \"0\" is a number" --model "$M/i.model" --data "$M/p_ok.csv" --missing 0
expect_predict_bad "--missing with --format libsvm" "--missing: applies to CSV" --model "$M/i.model" --data "$M/p_ok.csv" --format libsvm --missing x
