"""Human rubric round trip: blinded sheets out, validated scores in, agreement reported."""
